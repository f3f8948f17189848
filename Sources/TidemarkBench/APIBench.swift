import Foundation
import Logging
import TidemarkCatalog
import TidemarkEnvironment
import TidemarkStorage
import TidemarkControl
import TidemarkCore

/// `tidemark-bench api-fill HOME [BACKUPS]` fills the catalog of a Tidemark home (the file
/// `tidemark serve --home HOME` opens, sealed with that home's key) with 1,000 databases and
/// BACKUPS completed backups (default 100,000) spread over them, one every few minutes, for
/// bench/api.sh to time the backup list endpoint under load.
enum APIBench {
    private static let start = Date(timeIntervalSince1970: 1_795_000_000)

    static func fill(home: String, backups count: Int) async throws {
        let http = S3HTTPClient()
        // The home's own catalog, sealed with its key: what `tidemark serve --home HOME` opens.
        let control = try Environment.live(home: home, http: http, environment: [:], passphrase: Secret("unused"), now: { start.addingTimeInterval(3600) })
        // Rows go straight into the catalog file, as a fixture would write them.
        let catalog = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: try SecretSealer.load(home: home, environment: [:]))
        let filling = ContinuousClock.now
        let databases = 1_000
        try await catalog.insertStorage(StorageRecord(name: "local1", settings: .local(path: "\(home)/repo"), repositoryID: "r", createdAt: start))
        for index in 0..<databases {
            let connection = DatabaseConnection(host: "127.0.0.1", port: 5432, user: "app", database: "db\(index)")
            try await catalog.insertDatabase(DatabaseRecord(name: "db\(index)", engine: .postgres, connection: connection, password: Secret("pw\(index)"), createdAt: start))
        }
        for index in 0..<count {
            // Newest first in the list: backup i was taken i×5 minutes before `start`.
            let taken = start.addingTimeInterval(-Double(index) * 300)
            let tables = [DatabaseContents(name: "db", bytes: 1 << 30, tables: (0..<8).map { TableContents(schema: "public", name: "t\($0)", bytes: 1 << 27, rows: 1_000_000) })]
            try await catalog.insertBackup(BackupRecord(
                id: String(format: "bk%07d", index), database: "db\(index % databases)", storage: "local1", status: .completed,
                trigger: .automatic, method: .logical, engine: .postgres, startedAt: taken, finishedAt: taken.addingTimeInterval(90),
                logicalBytes: 1 << 30, storedBytes: 1 << 24, databases: tables
            ))
        }
        let elapsed = ContinuousClock.now - filling
        print("filled \(databases) databases and \(count) backups in \(elapsed.components.seconds) s")
        // As after any retention run in `serve`: every backup's expiry is stored, so lists read it.
        let evaluating = ContinuousClock.now
        try await control.plans.refreshExpiries()
        print("stored the expiry of \(count) backups in \((ContinuousClock.now - evaluating).components.seconds) s")
        try await http.shutdown()
    }
}
