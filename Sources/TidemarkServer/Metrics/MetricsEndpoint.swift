import Foundation
import Hummingbird
package import Prometheus
package import TidemarkControl
import TidemarkCore

/// `/metrics`: the process's counters and histograms (recorded by the control plane through
/// swift-metrics into `registry`), plus gauges read from the catalog at scrape time — so
/// backups taken by CLI commands or another `serve` count too, and a restart loses nothing.
package struct MetricsEndpoint: Sendable {
    package let registry: PrometheusCollectorRegistry
    let control: ControlPlane

    package init(registry: PrometheusCollectorRegistry, control: ControlPlane) {
        self.registry = registry
        self.control = control
    }

    /// `tidemark_backups{status}`.
    package static var backupsByStatus: MetricNameDescriptor { MetricNameDescriptor(namespace: "tidemark", metricName: "backups", unitName: "", helpText: "Backups in the catalog by status") }
    /// `tidemark_last_successful_backup_timestamp_seconds{database}`.
    package static var lastSuccess: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "tidemark", metricName: "last_successful_backup_timestamp", unitName: "seconds",
        helpText: "Finish time (Unix seconds) of the newest completed backup per database"
    ) }

    /// The Prometheus text exposition of every metric, catalog gauges refreshed first.
    package func render() async throws -> String {
        let counts = try await control.catalog.backupCountsByStatus()
        for status in BackupStatus.allCases {
            registry.makeGauge(descriptor: Self.backupsByStatus, labels: [("status", status.rawValue)]).set(Double(counts[status] ?? 0))
        }
        for (database, time) in try await control.catalog.lastSuccessfulBackups() {
            registry.makeGauge(descriptor: Self.lastSuccess, labels: [("database", database)]).set(time.timeIntervalSince1970)
        }
        return registry.emitToString()
    }

    func response() async throws -> Response {
        let text = try await render()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
