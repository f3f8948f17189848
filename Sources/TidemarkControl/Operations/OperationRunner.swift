import Foundation
import Logging
package import TidemarkCore

/// Runs operations: the one path from a request to a recorded outcome, for every job kind.
///
/// Foreground (`run`): preflight, a `running` record leased to this process, the job's work
/// under a heartbeat, the outcome. Queued (`enqueue`, then a worker's `runClaimed`): the
/// same, in two halves. What an outcome means for the record — completed, retried after a
/// backoff, queued again after a shutdown or a dead worker, cancelled, failed — is decided by
/// ``OperationLifecycle`` and carried out by ``OperationActions``; `reconcile`, `cancel` and
/// `retry` go through the same machine.
package struct OperationRunner: Sendable {
    let control: ControlPlane

    // MARK: Running

    /// Runs `request` of job `J` in this process now, as operation attempt 1 of 1.
    /// - Throws: the preflight's refusal (nothing recorded), then the job's error after the
    ///   operation's record says how it ended.
    package func run<J: Job>(_ job: J, _ request: J.Request, observer: OperationObserver? = nil) async throws -> J.Output {
        let checked = try await job.preflight(request, control: control)
        let started = control.now()
        let record = OperationRecord(
            id: Identifier.make(),
            kind: J.kind,
            status: .running,
            step: "starting",
            attempt: 1,
            maxAttempts: 1,
            database: checked.database,
            backupID: checked.backupID,
            summary: checked.summary,
            createdAt: started,
            startedAt: started,
            request: try checked.request.stored(),
            leaseOwner: control.configuration.workerID,
            leaseExpiresAt: started.addingTimeInterval(control.configuration.leaseDuration)
        )
        try await control.insertRecord(record)
        let run = OperationRun(record: record, control: control, observer: observer)
        try await run.log("\(checked.summary): started")
        let output = try await execute(job, checked.request, run: run)
        await job.afterCompletion(checked.request, control: control)
        return output
    }

    /// Queues `request` of job `J` for a worker (`serve`).
    /// - Throws: `cannot-run-in-background` for jobs that only run in their command, the
    ///   preflight's refusal (nothing recorded), `backup-in-progress`.
    package func enqueue<J: Job>(_ job: J, _ request: J.Request) async throws -> OperationRecord {
        guard J.runsInBackground else {
            throw Self.runsOnlyInItsCommand(J.kind)
        }
        let checked = try await job.preflight(request, control: control)
        return try await control.insertQueued(try queuedRecord(J.self, checked, createdAt: control.now()))
    }

    /// `cannot-run-in-background`: jobs that stream to, or are driven by, their command.
    private static func runsOnlyInItsCommand(_ kind: OperationKind) -> ControlError {
        ControlError(.cannotRunInBackground, "\(kind.rawValue) operations run only in the command that starts them", hint: "Run the command again.")
    }

    /// The record that queues a checked request of `J` (also the scheduler's, which inserts
    /// its backups in one catalog statement with the plans' next runs).
    func queuedRecord<J: Job>(_ job: J.Type, _ checked: Preflighted<J.Request>, createdAt: Date) throws -> OperationRecord {
        OperationRecord(
            id: Identifier.make(),
            kind: J.kind,
            maxAttempts: J.retry == .never ? 1 : control.configuration.backgroundAttempts,
            database: checked.database,
            backupID: checked.backupID,
            summary: checked.summary,
            createdAt: createdAt,
            request: try checked.request.stored()
        )
    }

    /// Runs an operation this process claimed; its outcome is in the returned record.
    /// - Parameter rethrow: throw the job's error (`op retry` in the foreground) instead of
    ///   leaving it in the record (a worker).
    package func runClaimed(_ claimed: OperationRecord, observer: OperationObserver? = nil, rethrow: Bool = false) async throws -> OperationRecord {
        let run = OperationRun(record: claimed, control: control, observer: observer)
        try await run.log("\(claimed.summary): attempt \(claimed.attempt) of \(claimed.maxAttempts) started by \(control.configuration.workerID)")
        do {
            guard let job = JobRegistry.job(for: claimed.kind), type(of: job).runsInBackground else {
                let error = Self.runsOnlyInItsCommand(claimed.kind)
                await run.finish(after: error)
                throw error
            }
            try await runStored(job, run: run)
        } catch {
            if rethrow { throw error }
        }
        return run.record
    }

    /// Decodes the stored request of `run`'s operation for `J` and runs it.
    private func runStored<J: Job>(_ job: J, run: OperationRun) async throws {
        let request: J.Request
        do {
            request = try J.Request(from: run.record)
        } catch {
            await run.finish(after: error)
            throw error
        }
        _ = try await execute(job, request, run: run)
        await job.afterCompletion(request, control: control)
    }

    /// Runs the job's work while a heartbeat renews the lease, then records how it ended.
    ///
    /// Errors are rethrown after the record says what happened (``OperationLifecycle``).
    private func execute<J: Job>(_ job: J, _ request: J.Request, run: OperationRun) async throws -> J.Output {
        let configuration = control.configuration
        let heartbeat = Heartbeat(
            catalog: control.catalog, operationID: run.id, owner: configuration.workerID,
            leaseDuration: configuration.leaseDuration, now: control.now, sleep: control.sleep, signals: run.signals
        )
        let control = control
        do {
            let output = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await heartbeat.run() }
                defer { group.cancelAll() }
                return try await job.perform(request, run: run, control: control)
            }
            if run.record.status != .completed { try await run.complete() }
            return output
        } catch {
            await run.finish(after: error)
            throw error
        }
    }

    // MARK: Reconciliation, cancel and retry

    /// Reconciles operations whose worker died — its lease expired, or its process on this host
    /// is gone (kill -9; found at once, without waiting for the lease): each is queued again
    /// from its start when attempts remain, or marked failed with `worker-lost` and the step it
    /// died in. Its job cleans up first (a restore drops its staging database, or, when it died
    /// after publishing the database, the operation is recorded completed).
    /// - Returns: the reconciled operations as they are now.
    @discardableResult
    package func reconcileExpiredLeases() async throws -> [OperationRecord] {
        let catalog = control.catalog
        let time = control.now()
        var candidates = try await catalog.operationsWithExpiredLease(now: time)
        if let isGone = control.configuration.isGoneLeaseOwner {
            let known = Set(candidates.map(\.id))
            for operation in try await catalog.operations(status: .running) where !known.contains(operation.id) {
                guard let text = operation.leaseOwner, let owner = LeaseOwner(parsing: text), isGone(owner) else { continue }
                guard try await catalog.takeLeaseOfGoneOwner(operationID: operation.id, previousOwner: text) else { continue }
                candidates.append(operation)
            }
        }
        var reconciled: [OperationRecord] = []
        for operation in candidates {
            let expired = operation.leaseExpiresAt.map { $0 < time } ?? true
            if expired {
                guard try await catalog.takeExpiredLease(operationID: operation.id, previousOwner: operation.leaseOwner, now: time) else { continue }
            }
            let owner = operation.leaseOwner ?? "an unknown process"
            let died = "the process running it (\(owner)) stopped in step \(operation.step) without finishing"
            let job = JobRegistry.job(for: operation.kind)
            var event = LifecycleEvent.workerLost(died: died, canRunAgain: job.map { type(of: $0).runsInBackground } ?? false)
            if let job, let result = await cleanUp(job, operation, died: died) {
                event = .completed(result: result)
            }
            guard case .next(let next, let actions) = control.lifecycle.transition(operation, on: event, at: time) else { continue }
            try await OperationActions(control: control).carryOut(actions, for: next, logger: control.logger)
            control.logger.warning("reconciled operation \(operation.id): \(died); now \(next.status.rawValue)")
            reconciled.append(next)
        }
        return reconciled
    }

    private func cleanUp<J: Job>(_ job: J, _ operation: OperationRecord, died: String) async -> [String: String]? {
        guard let request = try? J.Request(from: operation) else { return nil }
        return await job.cleanUpAfterDeath(operation, request: request, died: died, control: control)
    }

    /// Cancels a queued operation at once, or asks the worker running it to stop at its next
    /// heartbeat (the operation then ends `cancelled`).
    /// - Throws: `operation-not-found`, `operation-finished`.
    package func cancel(id: String) async throws -> OperationRecord {
        let operation = try await control.catalog.requireOperation(id: id)
        switch control.lifecycle.transition(operation, on: .cancelRequested, at: control.now()) {
        case .refused:
            throw ControlError(.operationFinished, "operation \(id) already ended (\(operation.status.rawValue))")
        case .next(let next, let actions):
            try await OperationActions(control: control).carryOut(actions, for: next, logger: control.logger)
            return next.status == .running ? try await control.catalog.requireOperation(id: id) : next
        }
    }

    /// Queues a failed or cancelled operation again for one more attempt.
    /// - Throws: `operation-not-found`; `operation-not-retryable` when it is still queued or
    ///   running, completed, of a kind that runs only in its command (an export), or worked on
    ///   a backup that was purged; `backup-in-progress`.
    package func retry(id: String) async throws -> OperationRecord {
        let operation = try await control.catalog.requireOperation(id: id)
        let canRunAgain = JobRegistry.job(for: operation.kind).map { type(of: $0).runsInBackground } ?? false
        switch control.lifecycle.transition(operation, on: .retryRequested(canRunAgain: canRunAgain), at: control.now()) {
        case .refused(.runsOnlyInForeground):
            throw ControlError(.operationNotRetryable, "\(operation.kind.rawValue) operations cannot be retried", hint: "Run the command again.")
        case .refused:
            throw ControlError(.operationNotRetryable, "operation \(id) is \(operation.status.rawValue); only failed or cancelled operations can be retried")
        case .next(let next, let actions):
            if let backupID = operation.backupID, try await control.catalog.wasPurged(backupID: backupID) {
                throw ControlError(
                    .operationNotRetryable,
                    "operation \(id) worked on backup \(backupID), which was purged",
                    hint: operation.kind == .backup ? "Take a new backup with 'tidemark backup create \(operation.database ?? "DATABASE")'." : "Choose another backup ('tidemark backup list')."
                )
            }
            do {
                try await OperationActions(control: control).carryOut(actions, for: next, logger: control.logger)
            } catch {
                throw await control.backupInProgress(for: next, after: error)
            }
            return next
        }
    }
}
