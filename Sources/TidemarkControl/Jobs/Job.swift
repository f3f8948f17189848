import Foundation
package import TidemarkCore

/// One kind of operation (River's job args as typed structs, STYLE.md §1 `Jobs/`).
///
/// A job names its kind, its typed request (stored with the operation, see ``JobRequest``),
/// the steps it goes through, whether `serve` can run it from its record and how it is
/// retried, the checks made before any record exists (``preflight(_:control:)``) and the
/// work of one attempt (``perform(_:run:control:)``). Its metadata is static; the work is an
/// instance method, so a job that streams to its command (an export) carries its sink. ``OperationRunner`` does the rest:
/// the record, the lease and heartbeat, and the outcome (``OperationLifecycle``). A new kind
/// is one file with its `Job` plus one line in ``JobRegistry``, and its CLI/API surface.
package protocol Job {
    associatedtype Request: JobRequest
    associatedtype Output

    static var kind: OperationKind { get }
    /// The steps an attempt goes through, in order (`OperationRun.step` names), for the
    /// documentation and the tests; an attempt may skip some.
    static var steps: [String] { get }
    /// Whether a worker can run the operation from its record alone: queue it, retry it and
    /// resume it after a shutdown or a dead worker. False for work that streams to, or is
    /// driven by, the command that starts it.
    static var runsInBackground: Bool { get }
    /// How a failed attempt is retried.
    static var retry: JobRetry { get }

    /// Checks that can refuse the request before anything is recorded (no operation, no
    /// backup record, no webhook), and what the operation's record says about it. It may
    /// complete the request (the storage a backup goes to, a new backup id).
    func preflight(_ request: Request, control: ControlPlane) async throws -> Preflighted<Request>

    /// The work of one attempt. It reports through `run` (steps, log, progress) and may call
    /// `run.complete(result:)` itself; the runner completes the operation otherwise.
    func perform(_ request: Request, run: OperationRun, control: ControlPlane) async throws -> Output

    /// Runs after the operation completed (retention after a backup); never fails it.
    func afterCompletion(_ request: Request, control: ControlPlane) async

    /// Cleans up after a process that died running `record` (a restore's staging database).
    /// - Returns: the operation's result when the work turns out to have finished (it is then
    ///   recorded completed); nil to fail or queue it again as usual.
    func cleanUpAfterDeath(_ record: OperationRecord, request: Request, died: String, control: ControlPlane) async -> [String: String]?
}

/// A request that passed its job's preflight, with the fields of its operation record.
package struct Preflighted<Request: JobRequest>: Sendable {
    package var request: Request
    /// A short description, e.g. `restore 3f9a0c1b7e2d to shop_restored`.
    package var summary: String
    package var database: String?
    package var backupID: String?

    package init(_ request: Request, summary: String, database: String? = nil, backupID: String? = nil) {
        self.request = request
        self.summary = summary
        self.database = database
        self.backupID = backupID
    }
}

/// How a job's failed attempts are retried.
package enum JobRetry: Sendable, Equatable {
    /// Transient failures (`isRetryable` errors) of a queued operation are retried after the
    /// lifecycle's backoff, up to the configured background attempts.
    case transientFailures
    /// One attempt; a user may run it again.
    case never
}

extension Job {
    package static var runsInBackground: Bool { true }
    package static var retry: JobRetry { .transientFailures }
    package func afterCompletion(_ request: Request, control: ControlPlane) async {}
    package func cleanUpAfterDeath(_ record: OperationRecord, request: Request, died: String, control: ControlPlane) async -> [String: String]? { nil }
}
