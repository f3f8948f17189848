import Foundation
import Hummingbird
import Testing
@testable import TidemarkControl
import TidemarkCore
import TidemarkTesting

/// Issue 14, item 12: the overview says when backups fail or are overdue, instead of green
/// shields over a failure streak.
@Suite struct DashboardHealthTests {
    @Test("failed last attempts and overdue plans: red marks, the error, a banner and a failure count")
    func failuresAreVisible() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let time = ManualTime(start.addingTimeInterval(10 * 3600))
        try await APIHarness.with(now: { time.now }) { api, _ in
            // db1 and db2 get two completed backups each (hours 0-3).
            try await APITestData.insertBackups(api.control, count: 4, start: start)
            for name in ["db1", "db2"] {
                _ = try await api.control.plans.set(database: name, PlanChange(schedule: "0 0 */4 * * *"))
            }
            // db1 then fails three times in a row, as a dead server would make it.
            for attempt in 0..<3 {
                try await api.control.catalog.insertBackup(BackupRecord(
                    id: "f\(attempt)", database: "db1", storage: "local1", status: .failed, trigger: .automatic, method: .logical,
                    engine: .postgres, startedAt: start.addingTimeInterval(Double(5 + attempt) * 3600), finishedAt: start.addingTimeInterval(Double(5 + attempt) * 3600 + 9),
                    error: ErrorInfo(code: "database-unreachable", message: "cannot reach PostgreSQL at 127.0.0.1:5432")
                ))
            }
            try await api.test { client in
                let admin = try await client.signIn(api.admin)
                var page = try await client.page(.get, "/ui/databases", cookie: admin.cookie).body
                #expect(page.contains(#"id="attention""#), "no banner")
                #expect(page.contains("last backup failed: cannot reach PostgreSQL at 127.0.0.1:5432"))
                #expect(page.contains(#"aria-label="Backups failing""#))
                #expect(page.contains(#"<span class="badge failed">failed</span>"#))
                #expect(page.contains("database-unreachable: cannot reach PostgreSQL"))
                let incomplete = try await client.page(.get, "/ui/databases/db1/incomplete", cookie: admin.cookie).body
                #expect(incomplete.contains(#"<span class="badge failed" id="failure-count">3 failed</span>"#))
                #expect(incomplete.contains(#"id="last-failed""#))

                // Two scheduled runs and a grace later without a success, db2 is overdue too.
                time.advance(by: 3 * 86_400)
                // Sessions last 12 hours: sign in again.
                let later = try await client.signIn(api.admin)
                page = try await client.page(.get, "/ui/databases", cookie: later.cookie).body
                #expect(page.contains("db2</a>: overdue"), "\(page)")
                #expect(page.contains("2 database(s) need attention"))
                #expect(!page.contains(#"aria-label="Backups active""#))

                // A success clears db1's failure mark (the count of failed backups stays on its tab).
                try await api.control.catalog.insertBackup(BackupRecord(
                    id: "ok", database: "db1", storage: "local1", status: .completed, trigger: .manual, method: .logical,
                    engine: .postgres, startedAt: time.now.addingTimeInterval(-60), finishedAt: time.now, logicalBytes: 10, storedBytes: 5
                ))
                page = try await client.page(.get, "/ui/databases", cookie: later.cookie).body
                #expect(!page.contains("db1</a>: "), "\(page)")
                #expect(page.contains("1 database(s) need attention"))
            }
        }
    }
}
