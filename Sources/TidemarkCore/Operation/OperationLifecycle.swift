package import Foundation

/// Why running work was stopped from outside, as the runner saw it.
package enum OperationInterruption: Sendable, Equatable {
    /// `op cancel` asked the worker to stop (seen at a heartbeat).
    case cancelRequested
    /// Another process took the lease after it expired; the record is no longer ours.
    case leaseLost
    /// This process is shutting down gracefully.
    case shutdown
}

/// Something that happens to an operation: the events of ``OperationLifecycle``.
package enum LifecycleEvent: Sendable, Equatable {
    /// The attempt's work returned; `result` is what the operation reports.
    case completed(result: [String: String])
    /// The attempt's work threw `error` (`retryable` as the error says), or was stopped.
    case threw(ErrorInfo, retryable: Bool, interruption: OperationInterruption?)
    /// The process running it died (lease expired, or its pid is gone); `died` says so.
    /// `canRunAgain`: the kind runs from its record alone, so a worker may start it again.
    case workerLost(died: String, canRunAgain: Bool)
    /// A user cancels it (`op cancel`).
    case cancelRequested
    /// A user queues it again (`op retry`); `canRunAgain` as for `workerLost`.
    case retryRequested(canRunAgain: Bool)
}

/// How an attempt that threw ends (the part of a transition that the job's own bookkeeping
/// needs, such as a backup record's status).
package enum OperationOutcome: Sendable, Equatable {
    /// Transient failure with attempts left: queued again for `at`.
    case retry(at: Date)
    /// The process is shutting down: queued again, the attempt not counted.
    case resumeLater
    case cancelled
    /// The record belongs to another process now: nothing is written.
    case leaseLost
    case failed
}

/// What the caller of ``OperationLifecycle`` does after a transition, in order.
package enum LifecycleAction: Sendable, Equatable {
    /// Write the new record to the catalog.
    case save
    /// Set the cancel flag of the running operation (its worker stops at its next heartbeat).
    case requestCancel
    /// Append a line to the operation's log (and the process log).
    case log(level: String, message: String)
    /// Write to the process log only: the operation's record is not ours to write.
    case processLog(level: String, message: String)
    /// Count the operation as finished with this status (`/metrics`).
    case countFinished(OperationStatus)
    /// Count a retry (`/metrics`).
    case countRetry
    /// Move the backup the operation writes (if not completed) to this status.
    case markBackup(BackupStatus, error: ErrorInfo?)
}

/// Why an event was refused; the control plane turns it into its error.
package enum LifecycleRefusal: Sendable, Equatable {
    /// Cancel of an operation that already ended.
    case alreadyFinished(OperationStatus)
    /// Retry of an operation that is not failed or cancelled.
    case notFailed(OperationStatus)
    /// Retry of a kind that runs only in the command that starts it.
    case runsOnlyInForeground
}

/// The result of one event.
package enum LifecycleTransition: Sendable, Equatable {
    /// The operation's new record, and what to do about it.
    case next(OperationRecord, [LifecycleAction])
    case refused(LifecycleRefusal)
}

/// The operation state machine (postgres-nio style: events in, new state and actions out).
///
/// Every decision about how an operation goes on — completed, retried after a backoff,
/// queued again after a shutdown or a dead worker, cancelled, failed — is made here and only
/// here; the runner, reconciliation and the `op cancel` / `op retry` commands carry out the
/// actions. It does no I/O and never reads the clock: the time comes with each call.
package struct OperationLifecycle: Sendable {
    /// The wait before attempt `n + 1` after attempt `n` failed transiently.
    package var retryDelay: @Sendable (_ afterAttempt: Int) -> TimeInterval

    package init(retryDelay: @escaping @Sendable (_ afterAttempt: Int) -> TimeInterval) {
        self.retryDelay = retryDelay
    }

    /// How an attempt of `record` that threw ends.
    package func outcome(of record: OperationRecord, retryable: Bool, interruption: OperationInterruption?, at time: Date) -> OperationOutcome {
        switch interruption {
        case .cancelRequested: return .cancelled
        case .leaseLost: return .leaseLost
        case .shutdown: return .resumeLater
        case nil: break
        }
        if retryable && record.attempt < record.maxAttempts {
            return .retry(at: time.addingTimeInterval(retryDelay(record.attempt)))
        }
        return .failed
    }

    /// Applies `event` to `record` at `time`.
    /// - Parameter attemptStartedAt: when the current attempt began, for its history entry
    ///   (nil when it is not known: a dead worker's attempt).
    package func transition(_ record: OperationRecord, on event: LifecycleEvent, at time: Date, attemptStartedAt: Date? = nil) -> LifecycleTransition {
        switch decide(record, on: event, at: time, attemptStartedAt: attemptStartedAt) {
        case .refused(let refusal):
            return .refused(refusal)
        case .next(var next, let actions):
            // Only a running operation has a lease; the catalog clears it on the same update.
            if next.status != .running && actions.contains(.save) {
                next.leaseOwner = nil
                next.leaseExpiresAt = nil
            }
            return .next(next, actions)
        }
    }

    private func decide(_ record: OperationRecord, on event: LifecycleEvent, at time: Date, attemptStartedAt: Date?) -> LifecycleTransition {
        var next = record
        switch event {
        case .completed(let result):
            next.status = .completed
            next.finishedAt = time
            next.result = result
            // An earlier attempt's failure stays in the history, not as this operation's error.
            next.recordAttempt(outcome: "completed", startedAt: attemptStartedAt, at: time)
            next.lastError = nil
            next.isRetryable = false
            next.step = "done"
            return .next(next, [.save, .countFinished(.completed), .log(level: "info", message: "completed")])

        case .threw(let error, let retryable, let interruption):
            return threw(next, error: error, retryable: retryable, interruption: interruption, at: time, attemptStartedAt: attemptStartedAt)

        case .workerLost(let died, let canRunAgain):
            let info = ErrorInfo(
                code: "worker-lost",
                message: "operation \(record.id): \(died)",
                hint: "Nothing it wrote is shown as completed; retry it with 'tidemark op retry \(record.id)'."
            )
            next.recordAttempt(outcome: "worker-lost", startedAt: attemptStartedAt, at: time, error: info)
            next.lastError = info
            next.isRetryable = true
            if canRunAgain && record.attempt < record.maxAttempts {
                next.status = .pending
                next.notBefore = nil
                return .next(next, [
                    .save,
                    .log(level: "warning", message: "\(died) (attempt \(record.attempt) of \(record.maxAttempts)); queued again"),
                    .markBackup(.pending, error: info),
                ])
            }
            next.status = .failed
            next.finishedAt = time
            return .next(next, [
                .save,
                .log(level: "error", message: "failed in step \(record.step): \(died)"),
                .markBackup(.failed, error: info),
            ])

        case .cancelRequested:
            switch record.status {
            case .completed, .failed, .cancelled:
                return .refused(.alreadyFinished(record.status))
            case .running:
                next.isCancelRequested = true
                return .next(next, [.requestCancel, .log(level: "warning", message: "cancel requested")])
            case .pending:
                next.status = .cancelled
                next.finishedAt = time
                next.lastError = ErrorInfo(code: "operation-cancelled", message: "operation \(record.id) was cancelled before it ran")
                return .next(next, [.save, .log(level: "warning", message: "cancelled while queued"), .markBackup(.failed, error: next.lastError)])
            }

        case .retryRequested(let canRunAgain):
            guard record.status == .failed || record.status == .cancelled else { return .refused(.notFailed(record.status)) }
            guard canRunAgain else { return .refused(.runsOnlyInForeground) }
            next.status = .pending
            next.step = "queued"
            next.maxAttempts = record.attempt + 1
            next.notBefore = nil
            next.finishedAt = nil
            return .next(next, [
                .save,
                .log(level: "info", message: "queued again by op retry (attempt \(record.attempt + 1))"),
                .markBackup(.pending, error: nil),
            ])
        }
    }

    private func threw(
        _ record: OperationRecord, error: ErrorInfo, retryable: Bool, interruption: OperationInterruption?, at time: Date, attemptStartedAt: Date?
    ) -> LifecycleTransition {
        var next = record
        switch outcome(of: record, retryable: retryable, interruption: interruption, at: time) {
        case .leaseLost:
            // Another process owns the record now; writing to it would undo its work.
            return .next(record, [.processLog(level: "warning", message: "stopped: the lease on operation \(record.id) was lost (taken over after it expired)")])
        case .cancelled:
            next.status = .cancelled
            next.finishedAt = time
            next.lastError = ErrorInfo(code: "operation-cancelled", message: "operation \(record.id) was cancelled in step \(record.step)")
            next.recordAttempt(outcome: "cancelled", startedAt: attemptStartedAt, at: time, error: next.lastError)
            next.isRetryable = true
            return .next(next, [.save, .countFinished(.cancelled), .log(level: "warning", message: "cancelled in step \(record.step)")])
        case .resumeLater:
            next.recordAttempt(outcome: "interrupted", startedAt: attemptStartedAt, at: time, error: error)
            next.status = .pending
            next.attempt -= 1
            return .next(next, [.save, .log(level: "warning", message: "interrupted by shutdown in step \(record.step); it resumes when a worker starts again")])
        case .retry(let retryAt):
            next.recordAttempt(outcome: "retry", startedAt: attemptStartedAt, at: time, error: error)
            next.status = .pending
            next.notBefore = retryAt
            next.lastError = error
            next.isRetryable = true
            return .next(next, [
                .save,
                .countRetry,
                .log(
                    level: "warning",
                    message: "attempt \(record.attempt) of \(record.maxAttempts) failed in step \(record.step): \(error.code): \(error.message); retrying at \(HumanFormat.timestamp(retryAt))"
                ),
            ])
        case .failed:
            next.recordAttempt(outcome: "failed", startedAt: attemptStartedAt, at: time, error: error)
            next.status = .failed
            next.finishedAt = time
            next.lastError = error
            next.isRetryable = retryable
            return .next(next, [.save, .countFinished(.failed), .log(level: "error", message: "failed in step \(record.step): \(error.code): \(error.message)")])
        }
    }
}
