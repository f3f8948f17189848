import Foundation
import Hummingbird
import Testing
@testable import TidemarkControl
import TidemarkCore
import TidemarkTesting

/// Issue 16 in the dashboard: managed instances are marked with their status, and the restore
/// dialog of a physical backup creates a new instance.
@Suite struct DashboardManagedTests {
    @Test("a managed instance shows its badge and status; a physical backup's restore dialog makes a new instance")
    func managedAndPhysical() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        try await APIHarness.with(now: { start }) { api, _ in
            let instance = ManagedInstance(dataDirectory: "\(api.home)/instances/app/data", port: 55123)
            try await api.control.catalog.insertDatabase(DatabaseRecord(
                name: "app", engine: .postgres, connection: DatabaseConnection(host: "127.0.0.1", port: 55123, user: "postgres", database: "app"),
                password: Secret("pw"), createdAt: start, managed: instance
            ))
            try await api.control.catalog.insertBackup(BackupRecord(
                id: "phys1", database: "app", storage: "local1", status: .completed, trigger: .manual, method: .physical,
                engine: .postgres, startedAt: start, finishedAt: start.addingTimeInterval(5), logicalBytes: 1000, storedBytes: 500,
                databases: [DatabaseContents(name: "app", bytes: 1000, tables: [TableContents(schema: "public", name: "t", bytes: 900, rows: 10, rowsAreEstimates: true)])]
            ))
            try await api.test { client in
                let admin = try await client.signIn(api.admin)
                let databases = try await client.page(.get, "/ui/databases", cookie: admin.cookie).body
                #expect(databases.contains(#"<span class="badge managed""#), "\(databases)")
                // Its data directory does not exist in this test: the status says so.
                #expect(databases.contains("missing"))
                #expect(databases.contains("managed instance on 127.0.0.1:55123"))
                let dialog = try await client.page(.get, "/ui/backups/phys1/restore", cookie: admin.cookie).body
                #expect(dialog.contains("New instance name"))
                #expect(dialog.contains("Restore into new instance"))
                #expect(!dialog.contains("One table"))
                let check = try await client.page(.get, "/ui/backups/phys1/restore/check?name=app_copy", cookie: admin.cookie).body
                #expect(check.contains("free for a new managed instance"), "\(check)")
                let taken = try await client.page(.get, "/ui/backups/phys1/restore/check?name=app", cookie: admin.cookie).body
                #expect(taken.contains("already registered"), "\(taken)")
            }
        }
    }
}
