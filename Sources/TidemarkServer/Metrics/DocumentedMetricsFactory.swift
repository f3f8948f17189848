package import CoreMetrics
package import Prometheus
import TidemarkControl

/// A swift-metrics factory over a Prometheus registry that gives every family its `# HELP`
/// line from ``ControlMetrics/families``.
///
/// swift-prometheus' own `PrometheusMetricsFactory` registers families with empty help text
/// (so `promtool check metrics` fails on them), and its registry refuses a second, different
/// help text for a family: one table of help texts, used for every series, keeps both happy.
package struct DocumentedMetricsFactory: MetricsFactory {
    package let registry: PrometheusCollectorRegistry
    private let help: [String: String]
    /// Buckets per timer name; the rest use `defaultBuckets`.
    private let buckets: [String: [Duration]]
    private let defaultBuckets: [Duration]

    /// - Parameter buckets: duration histogram buckets per timer name.
    package init(registry: PrometheusCollectorRegistry, buckets: [String: [Duration]] = [:]) {
        self.registry = registry
        self.help = Dictionary((ControlMetrics.families + ControlMetrics.perDatabaseFamilies).map { ($0.name, $0.help) }, uniquingKeysWith: { first, _ in first })
        self.buckets = buckets
        defaultBuckets = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60].map { .milliseconds(Int64($0 * 1000)) }
    }

    /// The family `label` with its help text (the label is the whole name: no unit is added).
    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help[label] ?? "Tidemark metric \(label)")
    }

    package func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    package func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    package func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: [1, 10, 100, 1_000, 10_000])
    }

    package func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    package func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets[label] ?? defaultBuckets)
    }

    package func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    package func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    package func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    package func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    package func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
