import Foundation
import Logging
import ServiceLifecycle
import TidemarkCore

/// The `serve` service that queues scheduled backups, daily retention runs and a daily prune
/// of old history (``PruneJob``).
///
/// It ticks every `interval` on the injected clock: each tick reconciles operations whose
/// worker died and queues backups for due plans (`ControlPlane.schedulerTick`). Retention for
/// every database and a prune are queued at start-up and then once a day. A failed tick is logged and the
/// next one tries again. Ends on cancellation or graceful shutdown.
package struct Scheduler<C: Clock>: Service where C.Duration == Duration {
    package let control: ControlPlane
    package let interval: Duration
    package let clock: C

    package init(control: ControlPlane, interval: Duration = .seconds(1), clock: C) {
        self.control = control
        self.interval = interval
        self.clock = clock
    }

    package func run() async throws {
        let control = control
        let interval = interval
        let clock = clock
        await cancelWhenGracefulShutdown {
            var nextRetention = control.now()
            while !Task.isCancelled {
                do {
                    let time = control.now()
                    let tick = try await control.schedulerTick(at: time)
                    if tick.queued + tick.skipped + tick.reconciled > 0 {
                        control.logger.info("scheduler: \(tick.queued) backups queued, \(tick.skipped) skipped, \(tick.reconciled) operations reconciled")
                    }
                    if time >= nextRetention {
                        // Daily housekeeping: retention for every database, and the catalog's
                        // old history (operations, logs, deliveries) pruned with the default age.
                        _ = try await control.plans.enqueueRetention()
                        nextRetention = time.addingTimeInterval(86_400)
                        do {
                            _ = try await control.operations.enqueuePrune()
                        } catch {
                            control.logger.error("could not queue the daily prune: \(ErrorInfo(error).message)")
                        }
                    }
                } catch {
                    control.logger.error("scheduler tick failed: \(ErrorInfo(error).message)")
                }
                // Cancellation (graceful shutdown) ends the loop; it is not an error of the service.
                do {
                    try await clock.sleep(for: interval)
                } catch {
                    return
                }
            }
        }
    }
}
