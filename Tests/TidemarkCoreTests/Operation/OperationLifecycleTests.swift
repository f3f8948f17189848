import Foundation
import Testing
import TidemarkCore

/// The operation state machine as values: an event and a record in, a record and actions out.
@Suite struct OperationLifecycleTests {
    let lifecycle = OperationLifecycle(retryDelay: { attempt in 60 * Double(attempt) })
    let time = Date(timeIntervalSince1970: 1_800_000_000)
    let started = Date(timeIntervalSince1970: 1_799_999_000)
    let failure = ErrorInfo(code: "storage-unreachable", message: "connection refused")

    func running(attempt: Int = 1, of maxAttempts: Int = 3, kind: OperationKind = .backup) -> OperationRecord {
        OperationRecord(
            id: "op1", kind: kind, status: .running, step: "dumping", attempt: attempt, maxAttempts: maxAttempts,
            database: "shop", backupID: "b1", summary: "backup shop to local", createdAt: started, startedAt: started,
            leaseOwner: "serve:host:1", leaseExpiresAt: time
        )
    }

    func next(_ transition: LifecycleTransition) throws -> (OperationRecord, [LifecycleAction]) {
        guard case .next(let record, let actions) = transition else {
            Issue.record("refused: \(transition)")
            throw CancellationError()
        }
        return (record, actions)
    }

    @Test("completing records the result, clears an earlier attempt's error and counts the completion")
    func completes() throws {
        var record = running(attempt: 2)
        record.lastError = failure
        let (done, actions) = try next(lifecycle.transition(record, on: .completed(result: ["backupId": "b1"]), at: time, attemptStartedAt: started))
        #expect(done.status == .completed)
        #expect(done.finishedAt == time)
        #expect(done.result == ["backupId": "b1"])
        #expect(done.lastError == nil)
        #expect(done.isRetryable == false)
        #expect(done.step == "done")
        #expect(done.attempts == [OperationAttempt(number: 2, startedAt: started, finishedAt: time, outcome: "completed", step: "dumping")])
        #expect(done.leaseOwner == nil && done.leaseExpiresAt == nil, "a finished operation holds no lease")
        #expect(actions == [.save, .countFinished(.completed), .log(level: "info", message: "completed")])
    }

    @Test("a transient failure with attempts left is queued again after the backoff")
    func retriesTransientFailures() throws {
        let (queued, actions) = try next(lifecycle.transition(running(attempt: 2), on: .threw(failure, retryable: true, interruption: nil), at: time, attemptStartedAt: started))
        #expect(queued.status == .pending)
        #expect(queued.notBefore == time.addingTimeInterval(120))
        #expect(queued.lastError == failure)
        #expect(queued.isRetryable)
        #expect(queued.attempt == 2)
        #expect(queued.attempts.map(\.outcome) == ["retry"])
        #expect(queued.leaseOwner == nil && queued.leaseExpiresAt == nil)
        #expect(actions.first == .save)
        #expect(actions.contains(.countRetry))
        #expect(lifecycle.outcome(of: running(attempt: 2), retryable: true, interruption: nil, at: time) == .retry(at: time.addingTimeInterval(120)))
    }

    @Test("a failure on the last attempt, or one that is not transient, fails the operation", arguments: [(3, true), (1, false)])
    func fails(attempt: Int, retryable: Bool) throws {
        let (failed, actions) = try next(lifecycle.transition(running(attempt: attempt), on: .threw(failure, retryable: retryable, interruption: nil), at: time))
        #expect(failed.status == .failed)
        #expect(failed.finishedAt == time)
        #expect(failed.lastError == failure)
        #expect(failed.isRetryable == retryable)
        #expect(actions == [.save, .countFinished(.failed), .log(level: "error", message: "failed in step dumping: storage-unreachable: connection refused")])
    }

    @Test("a shutdown queues the operation again without counting the attempt")
    func shutdownResumesLater() throws {
        let (queued, actions) = try next(lifecycle.transition(running(attempt: 1), on: .threw(failure, retryable: false, interruption: .shutdown), at: time))
        #expect(queued.status == .pending)
        #expect(queued.attempt == 0)
        #expect(queued.notBefore == nil)
        #expect(queued.attempts.map(\.outcome) == ["interrupted"])
        #expect(actions.first == .save)
        #expect(!actions.contains { if case .countFinished = $0 { true } else { false } })
    }

    @Test("a cancel seen by the heartbeat ends the operation cancelled, retryable")
    func cancelledWhileRunning() throws {
        let (cancelled, actions) = try next(lifecycle.transition(running(), on: .threw(failure, retryable: true, interruption: .cancelRequested), at: time))
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.lastError?.code == "operation-cancelled")
        #expect(cancelled.isRetryable)
        #expect(actions == [.save, .countFinished(.cancelled), .log(level: "warning", message: "cancelled in step dumping")])
    }

    @Test("a lost lease writes nothing: the record belongs to another process")
    func leaseLostWritesNothing() throws {
        let record = running()
        let (same, actions) = try next(lifecycle.transition(record, on: .threw(failure, retryable: true, interruption: .leaseLost), at: time))
        #expect(same == record)
        #expect(actions.count == 1)
        guard case .processLog = actions.first else { return #expect(Bool(false), "\(actions)") }
    }

    @Test("a dead worker's operation is queued again while attempts remain, else failed with worker-lost")
    func workerLost() throws {
        let died = "the process running it (serve:host:1) stopped in step dumping without finishing"
        let (queued, requeue) = try next(lifecycle.transition(running(attempt: 1), on: .workerLost(died: died, canRunAgain: true), at: time))
        #expect(queued.status == .pending)
        #expect(queued.lastError?.code == "worker-lost")
        #expect(requeue.contains(.markBackup(.pending, error: queued.lastError)))

        let (failed, fail) = try next(lifecycle.transition(running(attempt: 3), on: .workerLost(died: died, canRunAgain: true), at: time))
        #expect(failed.status == .failed)
        #expect(failed.finishedAt == time)
        #expect(fail.contains(.markBackup(.failed, error: failed.lastError)))

        let (foreground, _) = try next(lifecycle.transition(running(attempt: 1, of: 3, kind: .export), on: .workerLost(died: died, canRunAgain: false), at: time))
        #expect(foreground.status == .failed)
    }

    @Test("cancel: a queued operation ends at once, a running one gets the flag, a finished one is refused")
    func cancel() throws {
        var queued = running()
        queued.status = .pending
        let (cancelled, actions) = try next(lifecycle.transition(queued, on: .cancelRequested, at: time))
        #expect(cancelled.status == .cancelled)
        #expect(actions.contains(.markBackup(.failed, error: cancelled.lastError)))

        let (flagged, flag) = try next(lifecycle.transition(running(), on: .cancelRequested, at: time))
        #expect(flagged.status == .running)
        #expect(flag.first == .requestCancel)

        var done = running()
        done.status = .completed
        #expect(lifecycle.transition(done, on: .cancelRequested, at: time) == .refused(.alreadyFinished(.completed)))
    }

    @Test("retry: failed or cancelled operations get one more attempt; others are refused")
    func retry() throws {
        var failed = running(attempt: 3)
        failed.status = .failed
        failed.finishedAt = time
        let (queued, actions) = try next(lifecycle.transition(failed, on: .retryRequested(canRunAgain: true), at: time))
        #expect(queued.status == .pending)
        #expect(queued.step == "queued")
        #expect(queued.maxAttempts == 4)
        #expect(queued.finishedAt == nil)
        #expect(actions.contains(.markBackup(.pending, error: nil)))

        #expect(lifecycle.transition(failed, on: .retryRequested(canRunAgain: false), at: time) == .refused(.runsOnlyInForeground))
        #expect(lifecycle.transition(running(), on: .retryRequested(canRunAgain: true), at: time) == .refused(.notFailed(.running)))
    }
}
