import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import TidemarkControl
import TidemarkCore

/// `tidemark serve`: the scheduler and the workers in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the scheduler and workers: automatic backups, queued operations, retention.",
        discussion: """
            Runs until SIGTERM or SIGINT. On shutdown running operations stop at their next check and are \
            queued again (never half-recorded); the next 'serve' resumes them. Operations of a process that \
            died (kill -9) are found when their lease expires and are retried or marked failed. The repository \
            passphrase is read once at start (TIDEMARK_PASSPHRASE or a prompt). Logs go to stderr \
            (TIDEMARK_LOG_LEVEL, default info).
            """
    )
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Operations run at once by this server.") var maxConcurrentOperations = 2
    @Option(name: .long, help: "Seconds between scheduler ticks.") var tickInterval = 1.0

    func validate() throws {
        guard maxConcurrentOperations >= 1 else { throw ValidationError("--max-concurrent-operations must be at least 1") }
        guard tickInterval > 0 else { throw ValidationError("--tick-interval must be positive") }
    }

    func run() async throws {
        try await global.run { context in
            let environment = ProcessInfo.processInfo.environment
            // Read once: scheduled work must never stop at a prompt.
            let passphrase = try Passphrase.read(environment: environment)
            let host = ProcessInfo.processInfo.hostName
            let control = try Environment.live(
                home: global.resolvedHome(),
                http: context.http,
                workerID: "serve:\(host):\(ProcessInfo.processInfo.processIdentifier)",
                passphrase: passphrase,
                logLevel: .info
            )
            let clock = ContinuousClock()
            let scheduler = Scheduler(control: control, interval: .milliseconds(Int64(tickInterval * 1000)), clock: clock)
            let worker = Worker(control: control, maxConcurrent: maxConcurrentOperations, clock: clock)
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [.init(service: scheduler), .init(service: worker)],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: control.logger
                )
            )
            control.logger.info(
                "serve started: scheduler every \(tickInterval)s, \(maxConcurrentOperations) workers, lease \(control.configuration.leaseDuration)s, worker id \(control.configuration.workerID)"
            )
            try await group.run()
            control.logger.info("serve stopped")
        }
    }
}
