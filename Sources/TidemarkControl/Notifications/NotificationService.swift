import Foundation
import Logging
import ServiceLifecycle
import TidemarkCore

/// The `serve` service that sends queued webhook deliveries and looks for overdue plans.
///
/// It runs beside the workers, never inside a backup: an event only queues a delivery in the
/// catalog, and this loop sends it, so a slow or dead receiver delays nothing but itself.
package struct NotificationService<C: Clock>: Service where C.Duration == Duration {
    package let control: ControlPlane
    /// How often queued deliveries are looked for.
    package let deliveryInterval: Duration
    /// How often plans are checked for overdue backups.
    package let overdueInterval: Duration
    package let clock: C

    package init(control: ControlPlane, deliveryInterval: Duration = .seconds(1), overdueInterval: Duration = .seconds(60), clock: C) {
        self.control = control
        self.deliveryInterval = deliveryInterval
        self.overdueInterval = overdueInterval
        self.clock = clock
    }

    package func run() async throws {
        let control = control
        await cancelWhenGracefulShutdown {
            var nextOverdueCheck = clock.now
            while !Task.isCancelled {
                if clock.now >= nextOverdueCheck {
                    nextOverdueCheck = clock.now.advanced(by: overdueInterval)
                    do {
                        try await control.notifyOverdueBackups()
                    } catch {
                        control.logger.error("could not check plans for overdue backups: \(ErrorInfo(error).message)")
                    }
                }
                // Keep sending while a full batch came back, so a backlog drains quickly.
                while !Task.isCancelled, await control.webhooks.deliverDue().count >= 16 {}
                try? await clock.sleep(for: deliveryInterval)
            }
        }
    }
}
