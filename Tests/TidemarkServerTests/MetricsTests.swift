import Foundation
import Hummingbird
import Testing
import TidemarkControl
import TidemarkCore
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
}
