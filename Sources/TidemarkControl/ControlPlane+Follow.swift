import Foundation
package import TidemarkCore

/// One thing that happened to an operation being followed (`op logs --follow`, the API's
/// `GET /operations/{id}/logs?follow=true`).
package enum OperationEvent: Sendable {
    /// A new log line.
    case log(OperationLogLine)
    /// The record changed (step, progress, status, attempt).
    case update(OperationRecord)
    /// The operation ended; the stream ends after this event.
    case finished(OperationRecord)
}

extension ControlPlane {
    /// Follows operation `id`: its log lines after `afterSequence`, then new lines and record
    /// changes as they are written, until it ends (or the caller stops iterating).
    ///
    /// The catalog is polled every `interval` seconds: it is the one place CLI runs, `serve`
    /// workers and other processes all write to, so following works whoever runs the operation.
    /// - Throws: `operation-not-found` before the first event.
    func followOperation(id: String, afterSequence: Int = 0, interval: TimeInterval = 0.5) async throws -> AsyncThrowingStream<OperationEvent, any Error> {
        let first = try await catalog.requireOperation(id: id)
        let catalog = self.catalog
        let sleep = self.sleep
        return AsyncThrowingStream { continuation in
            // Unstructured on purpose: the stream's consumer (an HTTP response body, the CLI)
            // drives it; `onTermination` cancels the task when the consumer goes away.
            let task = Task {
                do {
                    var sequence = afterSequence
                    var last: OperationRecord? = nil
                    var record = first
                    while true {
                        for line in try await catalog.logs(operationID: id, afterSequence: sequence) {
                            sequence = line.sequence
                            continuation.yield(.log(line))
                        }
                        if record != last && !record.isFinished { continuation.yield(.update(record)) }
                        last = record
                        if record.isFinished {
                            // Lines written between the last read and the finish.
                            for line in try await catalog.logs(operationID: id, afterSequence: sequence) { continuation.yield(.log(line)) }
                            continuation.yield(.finished(record))
                            continuation.finish()
                            return
                        }
                        try await sleep(interval)
                        guard let next = try await catalog.operation(id: id) else {
                            throw ControlError(.operationNotFound, "operation \(id) no longer exists")
                        }
                        record = next
                    }
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
