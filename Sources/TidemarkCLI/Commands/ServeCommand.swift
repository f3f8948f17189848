import ArgumentParser
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals
import TidemarkControl
import TidemarkCore
import TidemarkEnvironment
import TidemarkServer

/// `tidemark serve`: the HTTP API, the scheduler and the workers in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the API, the scheduler, workers and webhook delivery: automatic backups, queued operations, retention, notifications.",
        discussion: """
            Serves /api/v1 (bearer tokens from 'tidemark token create'), /metrics and /healthz on --listen \
            (loopback by default; 'none' serves no HTTP). Runs until SIGTERM or SIGINT. On shutdown running \
            operations stop at their next check and are queued again (never half-recorded); the next 'serve' \
            resumes them. Operations of a process that died (kill -9) are found when their lease expires and \
            are retried or marked failed. The repository passphrase is read once at start (TIDEMARK_PASSPHRASE \
            or a prompt). Managed instances that should run and are down are started again \
            (with backoff; 'instance.failing' when one keeps dying). Logs go to stderr (TIDEMARK_LOG_LEVEL, default info).
            """
    )
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Operations run at once by this server.") var maxConcurrentOperations = 2
    @Option(name: .long, help: "Seconds between scheduler ticks.") var tickInterval = 1.0
    @Option(name: .long, help: "Seconds between checks that managed instances are up.") var supervisorInterval = 5
    @Option(name: .long, help: ArgumentHelp("HTTP address HOST:PORT (port 0 picks a free one), or 'none'.", valueName: "address"))
    var listen = "127.0.0.1:8080"
    @Flag(name: .long, help: "Require an API token (any role) on /metrics (also TIDEMARK_METRICS_REQUIRE_TOKEN=1).")
    var metricsRequireToken = false

    func validate() throws {
        guard maxConcurrentOperations >= 1 else { throw ValidationError("--max-concurrent-operations must be at least 1") }
        guard tickInterval > 0 else { throw ValidationError("--tick-interval must be positive") }
        guard supervisorInterval > 0 else { throw ValidationError("--supervisor-interval must be positive") }
        if listen != "none" { _ = try Self.address(listen) }
    }

    /// Parses HOST:PORT (IPv6 hosts in brackets).
    static func address(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080, or 'none'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--listen must name a host, e.g. 127.0.0.1:8080") }
        return (host, port)
    }

    func run() async throws {
        try await global.run { context in
            let environment = ProcessInfo.processInfo.environment
            // Read once: scheduled work must never stop at a prompt.
            let passphrase = try Passphrase.read(environment: environment)
            let host = ProcessInfo.processInfo.hostName
            let registry = PrometheusCollectorRegistry()
            let control = try Environment.live(
                home: global.resolvedHome(),
                http: context.http,
                workerID: "serve:\(host):\(ProcessInfo.processInfo.processIdentifier)",
                passphrase: passphrase,
                logLevel: .info,
                metrics: ControlMetrics(factory: Environment.metricsFactory(registry: registry))
            )
            let clock = ContinuousClock()
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: Scheduler(control: control, interval: .milliseconds(Int64(tickInterval * 1000)), clock: clock)),
                .init(service: Worker(control: control, maxConcurrent: maxConcurrentOperations, clock: clock)),
                .init(service: NotificationService(control: control, clock: clock)),
                .init(service: InstanceSupervisor(control: control, interval: .seconds(supervisorInterval), clock: clock)),
                .init(service: WALReceiverSupervisor(control: control, clock: clock)),
            ]
            if let socket = control.configuration.walSocket {
                // A Unix socket path holds at most 107 bytes: a longer home gets no WAL socket
                // (archiving instances then keep their WAL until serve runs with a shorter one).
                if socket.utf8.count <= 107 {
                    services.append(.init(service: try buildWALReceiver(controlPlane: control, socketPath: socket)))
                } else {
                    control.logger.error("the WAL socket path \(socket) is longer than 107 bytes: WAL archiving is off; use a shorter --home")
                }
            }
            if listen != "none" {
                let (host, port) = try Self.address(listen)
                let configuration = ServerConfiguration(
                    host: host, port: port,
                    metricsRequireToken: metricsRequireToken || environment["TIDEMARK_METRICS_REQUIRE_TOKEN"] == "1"
                )
                let logger = control.logger
                let application = try buildApplication(controlPlane: control, registry: registry, configuration: configuration) { bound in
                    // Tests and scripts read the real port from this line when they asked for port 0.
                    logger.info("listening on http://\(host.contains(":") ? "[\(host)]" : host):\(bound)")
                }
                services.append(.init(service: application))
            }
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: control.logger)
            )
            control.logger.info(
                "serve started: scheduler every \(tickInterval)s, \(maxConcurrentOperations) workers, lease \(control.configuration.leaseDuration)s, worker id \(control.configuration.workerID)"
            )
            try await group.run()
            control.logger.info("serve stopped")
        }
    }
}
