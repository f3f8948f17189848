import Foundation
import Synchronization
import TidemarkCore

/// Shared between the heartbeat task and the operation's task.
final class OperationSignals: Sendable {
    private let state = Mutex<OperationInterruption?>(nil)

    var interruption: OperationInterruption? { state.withLock { $0 } }

    func raise(_ interruption: OperationInterruption) {
        state.withLock { current in
            if current == nil { current = interruption }
        }
    }
}

/// Renews an operation's lease every third of its duration until cancelled, and raises a
/// signal when `op cancel` was requested or the lease was lost.
///
/// A renewal that fails (catalog busy) is retried at the next beat; the lease only lapses if
/// renewals fail for a whole lease duration, which is exactly when others should take over.
struct Heartbeat: Sendable {
    let catalog: any Catalog
    let operationID: String
    let owner: String
    let leaseDuration: TimeInterval
    let now: @Sendable () -> Date
    let sleep: @Sendable (TimeInterval) async throws -> Void
    let signals: OperationSignals

    func run() async {
        while !Task.isCancelled {
            do {
                try await sleep(leaseDuration / 3)
            } catch {
                return
            }
            guard let renewal = try? await catalog.renewLease(operationID: operationID, owner: owner, until: now().addingTimeInterval(leaseDuration)) else {
                continue
            }
            switch renewal {
            case .renewed(let isCancelRequested):
                if isCancelRequested { signals.raise(.cancelRequested) }
            case .lost:
                signals.raise(.leaseLost)
                return
            }
        }
    }
}
