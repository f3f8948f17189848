import Foundation
import Hummingbird
import Synchronization
package import Prometheus
package import TidemarkControl
import TidemarkCore

/// `/metrics`: the process's counters and histograms (recorded by the control plane through
/// swift-metrics into `registry`), plus gauges read from the catalog at scrape time — so
/// backups taken by CLI commands or another `serve` count too, and a restart loses nothing.
package struct MetricsEndpoint: Sendable {
    package let registry: PrometheusCollectorRegistry
    let control: ControlPlane
    /// The per-database gauges last set, so a database with no completed backup left (all
    /// purged, or removed) drops out instead of reporting its old time forever.
    private let lastSuccessGauges = GaugeSet()

    package init(registry: PrometheusCollectorRegistry, control: ControlPlane) {
        self.registry = registry
        self.control = control
        // Counters and histograms exist from the start, at zero.
        control.metrics.registerFamilies()
        for status in BackupStatus.allCases {
            registry.makeGauge(descriptor: Self.backupsByStatus, labels: [("status", status.rawValue)]).set(0.0)
        }
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
        let counts = try await control.backups.countsByStatus()
        for status in BackupStatus.allCases {
            registry.makeGauge(descriptor: Self.backupsByStatus, labels: [("status", status.rawValue)]).set(Double(counts[status] ?? 0))
        }
        let current = try await control.backups.lastSuccessful()
        lastSuccessGauges.gauges.withLock { gauges in
            for (database, gauge) in gauges where current[database] == nil {
                registry.unregisterGauge(gauge)
                gauges[database] = nil
            }
            for (database, time) in current {
                let gauge = gauges[database] ?? registry.makeGauge(descriptor: Self.lastSuccess, labels: [("database", database)])
                gauge.set(time.timeIntervalSince1970)
                gauges[database] = gauge
            }
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

/// The gauges of one labelled family that the endpoint set, by label value.
private final class GaugeSet: Sendable {
    let gauges = Mutex<[String: Gauge]>([:])
}
