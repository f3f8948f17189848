import Foundation
@testable import TidemarkControl
import TidemarkCore

/// Catalog contents for API tests: a local storage, databases and backup records written
/// through the catalog (the backups' data is not needed to list them).
enum APITestData {
    /// Registers storage `local1` (a real local repository) and databases `db1`/`db2` records, then
    /// inserts `count` completed backups alternating between them, one hour apart.
    static func insertBackups(_ control: ControlPlane, count: Int, start: Date = Date(timeIntervalSince1970: 1_790_000_000)) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tidemark-api-repo-\(Identifier.make())").path
        if try await control.catalog.storage(named: "local1") == nil {
            _ = try await control.storages.add(name: "local1", settings: .local(path: directory))
        }
        for name in ["db1", "db2"] where try await control.catalog.database(named: name) == nil {
            try await control.catalog.insertDatabase(DatabaseRecord(
                name: name, engine: .postgres,
                connection: DatabaseConnection(host: "127.0.0.1", port: 5432, user: "app", database: name),
                password: Secret("db-password-\(name)-never-shown"), createdAt: start
            ))
        }
        for index in 0..<count {
            try await control.catalog.insertBackup(BackupRecord(
                id: String(format: "b%05d", index), database: index % 2 == 0 ? "db1" : "db2", storage: "local1",
                status: .completed, trigger: .automatic, method: .logical, engine: .postgres,
                startedAt: start.addingTimeInterval(Double(index) * 3600), finishedAt: start.addingTimeInterval(Double(index) * 3600 + 60),
                logicalBytes: 1000, storedBytes: 400
            ))
        }
    }
}
