import Foundation
import Logging
import ServiceLifecycle
import TidemarkCore

/// The `serve` service that keeps managed instances running (SPEC §4.7).
///
/// Every `interval` it checks each managed instance that is not deprovisioned and not stopped
/// on purpose (`db stop`); one that is down is started again, with a backoff after failed
/// starts (2, 4, 8 … up to 300 seconds). An instance that had to be restarted three times
/// within ten minutes, or failed to start three times in a row, "keeps dying": `serve` sends
/// `instance.failing` once (again only after it stayed up for ten minutes) and goes on trying.
package struct InstanceSupervisor<C: Clock>: Service where C.Duration == Duration {
    package let control: ControlPlane
    package let interval: Duration
    package let clock: C

    package init(control: ControlPlane, interval: Duration = .seconds(5), clock: C) {
        self.control = control
        self.interval = interval
        self.clock = clock
    }

    /// Seconds between heartbeat commits on instances that archive WAL (the `archive_timeout`).
    static var heartbeatSeconds: Int { 50 }

    package func run() async throws {
        let control = control
        let interval = interval
        let clock = clock
        await cancelWhenGracefulShutdown {
            var state = InstanceSupervision()
            var lastHeartbeat = Date.distantPast
            var lastGapCheck = Date.distantPast
            var alerted: Set<String> = []
            var gapsReported: Set<String> = []
            while !Task.isCancelled {
                await state.tick(control: control)
                await control.walArchive.watchArchiving(alerted: &alerted, alertAfter: control.configuration.walAlertSeconds)
                // With archive_timeout, a commit this often keeps the newest restorable time
                // within about a minute of now, also on an idle instance.
                if control.now().timeIntervalSince(lastHeartbeat) >= TimeInterval(Self.heartbeatSeconds) {
                    lastHeartbeat = control.now()
                    await control.walArchive.heartbeat()
                }
                // One listing of each archive a minute finds holes (`wal.gap`).
                if control.now().timeIntervalSince(lastGapCheck) >= control.configuration.walGapCheckSeconds {
                    lastGapCheck = control.now()
                    await control.walArchive.watchGaps(reported: &gapsReported, settle: control.configuration.walAlertSeconds)
                    await control.walArchive.syncCopies()
                }
                do {
                    try await clock.sleep(for: interval)
                } catch {
                    return
                }
            }
        }
    }
}

/// What the supervisor remembers between ticks, per instance.
package struct InstanceSupervision: Sendable {
    struct Health: Sendable {
        var restarts: [Date] = []
        var failedStarts = 0
        var nextAttempt: Date?
        var alerted = false
        var upSince: Date?
    }

    private var health: [String: Health] = [:]
    static let window: TimeInterval = 600
    static let threshold = 3

    package init() {}

    /// Checks every managed instance once; starts those that should run and do not.
    /// - Returns: the names of the instances it started.
    @discardableResult
    package mutating func tick(control: ControlPlane) async -> [String] {
        guard let manager = control.instances, let databases = try? await control.catalog.databases() else { return [] }
        var started: [String] = []
        let time = control.now()
        for database in databases where database.deprovisionedAt == nil {
            guard let instance = database.managed, instance.desiredState == .running else {
                health[database.name] = nil
                continue
            }
            var entry = health[database.name] ?? Health()
            defer { health[database.name] = entry }
            let status = await manager.status(of: instance)
            if status == .running {
                if entry.upSince == nil { entry.upSince = time }
                if let since = entry.upSince, time.timeIntervalSince(since) >= Self.window {
                    entry = Health(upSince: since)
                }
                continue
            }
            entry.upSince = nil
            if let next = entry.nextAttempt, time < next { continue }
            if status == .missing {
                control.logger.error("managed instance \(database.name): its data directory \(instance.dataDirectory) is missing; it cannot be started")
                entry.nextAttempt = time.addingTimeInterval(300)
                await alert(&entry, database: database.name, control: control, reason: "its data directory \(instance.dataDirectory) is missing")
                continue
            }
            do {
                try await manager.start(instance)
                entry.failedStarts = 0
                entry.nextAttempt = nil
                entry.restarts = entry.restarts.filter { time.timeIntervalSince($0) < Self.window } + [time]
                started.append(database.name)
                control.metrics.instanceRestarted()
                control.logger.warning("managed instance \(database.name) was down; started it again (\(entry.restarts.count) restart(s) in the last 10 minutes)")
                if entry.restarts.count >= Self.threshold {
                    await alert(&entry, database: database.name, control: control, reason: "it was restarted \(entry.restarts.count) times in 10 minutes")
                }
            } catch {
                entry.failedStarts += 1
                let delay = min(300, pow(2, Double(entry.failedStarts)))
                entry.nextAttempt = time.addingTimeInterval(delay)
                control.logger.error("managed instance \(database.name) is down and did not start (attempt \(entry.failedStarts)): \(ErrorInfo(error).message); next try in \(Int(delay)) s")
                if entry.failedStarts >= Self.threshold {
                    await alert(&entry, database: database.name, control: control, reason: "it failed to start \(entry.failedStarts) times in a row: \(ErrorInfo(error).message)")
                }
            }
        }
        control.metrics.instancesFailing(health.values.filter(\.alerted).count)
        return started
    }

    private func alert(_ entry: inout Health, database: String, control: ControlPlane, reason: String) async {
        guard !entry.alerted else { return }
        entry.alerted = true
        await control.notify(Notice(.instanceFailing, status: "failing", database: database, message: "managed instance \(database) keeps dying: \(reason)"))
    }
}
