import Foundation
import Logging
import ServiceLifecycle
import TidemarkCore

/// The `serve` service that runs queued operations, at most `maxConcurrent` at once.
///
/// Each of its `maxConcurrent` slots claims the oldest runnable operation (the catalog keeps
/// one backup per database), runs it under a lease, and polls again after `pollInterval` when
/// the queue is empty. On graceful shutdown the slots are cancelled: running operations stop
/// at their next check and are queued again without counting the attempt (`OperationRun`),
/// so nothing is left half-recorded and the next `serve` resumes them.
package struct Worker<C: Clock>: Service where C.Duration == Duration {
    package let control: ControlPlane
    package let maxConcurrent: Int
    package let pollInterval: Duration
    package let clock: C

    package init(control: ControlPlane, maxConcurrent: Int = 2, pollInterval: Duration = .seconds(1), clock: C) {
        self.control = control
        self.maxConcurrent = max(1, maxConcurrent)
        self.pollInterval = pollInterval
        self.clock = clock
    }

    package func run() async throws {
        let control = control
        let pollInterval = pollInterval
        let clock = clock
        let slots = maxConcurrent
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<slots {
                    group.addTask {
                        while !Task.isCancelled {
                            let claimed: OperationRecord?
                            do {
                                claimed = try await control.operations.claimNext()
                            } catch {
                                control.logger.error("worker could not claim an operation: \(ErrorInfo(error).message)")
                                claimed = nil
                            }
                            if let claimed {
                                _ = try? await control.operations.runClaimed(claimed)
                            } else {
                                try? await clock.sleep(for: pollInterval)
                            }
                        }
                    }
                }
            }
        }
    }
}
