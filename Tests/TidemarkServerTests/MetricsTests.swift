import Foundation
import Hummingbird
import Testing
@testable import TidemarkControl
import TidemarkCore
import TidemarkEngines
import TidemarkServer

@Suite("/metrics: Prometheus text from the control plane's metrics and the catalog")
struct MetricsTests {
    @Test("recorded backups, retries, storage errors and scheduler lag appear with catalog gauges")
    func exposition() async throws {
        try await APIHarness.with { api, _ in
            try await APITestData.insertBackups(api.control, count: 4)
            api.control.metrics.backupFinished(status: .completed, duration: 42, bytesRead: 1000, bytesStored: 300)
            api.control.metrics.backupFinished(status: .failed, duration: 3, bytesRead: 0, bytesStored: 0)
            api.control.metrics.restoreFinished(succeeded: true, duration: 7)
            api.control.metrics.operationRetried(kind: .backup)
            api.control.metrics.storageError(TidemarkError(code: "storage-unavailable", message: "503", category: .unavailable))
            _ = try await api.control.schedulerTick(at: Date())
            let text = try await api.test { client in try await client.call(.get, "/metrics").body }
            for expected in [
                #"tidemark_backups_finished_total{status="completed"} 1"#,
                #"tidemark_backups_finished_total{status="failed"} 1"#,
                #"tidemark_backup_duration_seconds_bucket{status="completed",le="60.0"} 1"#,
                "tidemark_backup_read_bytes_total 1000",
                "tidemark_backup_stored_bytes_total 300",
                #"tidemark_restore_duration_seconds_count{status="completed"} 1"#,
                #"tidemark_operation_retries_total{kind="backup"} 1"#,
                #"tidemark_storage_errors_total{code="storage-unavailable"} 1"#,
                "tidemark_scheduler_lag_seconds",
                #"tidemark_backups{status="completed"} 4.0"#,
                #"tidemark_last_successful_backup_timestamp_seconds{database="db1"}"#,
            ] {
                #expect(text.contains(expected), "missing \(expected) in:\n\(text)")
            }
        }
    }

    /// `promtool check metrics` on `text`: the problems it reports (empty when clean).
    private func promtool(_ text: String) async throws -> String {
        let path = "/usr/bin/promtool"
        try #require(FileManager.default.isExecutableFile(atPath: path), "promtool is missing: run scripts/install-dependencies.sh (Debian package prometheus)")
        var input: [UInt8]? = Array(text.utf8)
        let outcome = try await SubprocessRunner().run(ProcessCommand(executable: path, arguments: ["check", "metrics"])) {
            defer { input = nil }
            return input
        }
        return outcome.succeeded ? "" : outcome.standardOutput + outcome.standardError
    }

    @Test("a fresh serve exposes every family with HELP and TYPE, at zero, and promtool accepts it")
    func everyFamilyFromTheStart() async throws {
        try await APIHarness.with { api, _ in
            let fresh = try await api.test { client in try await client.call(.get, "/metrics").body }
            for family in ControlMetrics.families {
                #expect(fresh.contains("# HELP \(family.name) "), "no HELP for \(family.name)")
                #expect(fresh.contains("# TYPE \(family.name) "), "no TYPE for \(family.name)")
            }
            #expect(fresh.contains(#"tidemark_backups_finished_total{status="failed"} 0"#), "\(fresh)")
            #expect(fresh.contains(#"tidemark_restore_duration_seconds_count{status="completed"} 0"#))
            #expect(try await promtool(fresh) == "")

            // After work the families are the same, still lint-clean.
            try await APITestData.insertBackups(api.control, count: 2)
            api.control.metrics.backupFinished(status: .completed, duration: 42, bytesRead: 1000, bytesStored: 300)
            api.control.metrics.storageError(TidemarkError(code: "tls-error", message: "bad certificate", category: .unavailable))
            let busy = try await api.test { client in try await client.call(.get, "/metrics").body }
            #expect(try await promtool(busy) == "")
        }
    }

    @Test("a database whose completed backups were all purged no longer reports a last success")
    func lastSuccessGoesWithTheBackups() async throws {
        try await APIHarness.with { api, _ in
            try await APITestData.insertBackups(api.control, count: 4)
            try await api.test { client in
                let before = try await client.call(.get, "/metrics").body
                #expect(before.contains(#"tidemark_last_successful_backup_timestamp_seconds{database="db1"}"#))
                for backup in try await api.control.catalog.backups(matching: BackupFilter(database: "db1")) {
                    try await api.control.catalog.deleteBackup(id: backup.id, at: Date())
                }
                let after = try await client.call(.get, "/metrics").body
                #expect(!after.contains(#"database="db1""#), "\(after)")
                #expect(after.contains(#"tidemark_last_successful_backup_timestamp_seconds{database="db2"}"#))
            }
        }
    }
}
