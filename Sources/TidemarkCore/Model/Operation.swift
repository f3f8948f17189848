package import Foundation

/// What an operation does.
package enum OperationKind: String, Sendable, Codable, CaseIterable {
    case backup
    case restore
    case verify
    case export
    case purge
    case retention
    case deprovision
    case prune
    case copy
    /// A restore test (`backup test`): restore into a scratch target, compare, drop it.
    case test
}

/// Lifecycle of an operation.
package enum OperationStatus: String, Sendable, Codable, CaseIterable {
    case pending
    case running
    case completed
    case failed
    case cancelled
}

/// Progress of a long operation (SPEC §4.13).
package struct OperationProgress: Sendable, Codable, Equatable {
    package var bytesRead: Int64
    package var bytesStored: Int64
    package var tablesDone: Int
    package var tablesTotal: Int?
    /// Bytes expected in total, when known (for an ETA).
    package var bytesTotal: Int64?

    package init(bytesRead: Int64 = 0, bytesStored: Int64 = 0, tablesDone: Int = 0, tablesTotal: Int? = nil, bytesTotal: Int64? = nil) {
        self.bytesRead = bytesRead
        self.bytesStored = bytesStored
        self.tablesDone = tablesDone
        self.tablesTotal = tablesTotal
        self.bytesTotal = bytesTotal
    }
}

/// How one attempt of an operation ended, kept in the operation's history so a completed
/// operation does not show an earlier attempt's error as its own.
package struct OperationAttempt: Sendable, Codable, Equatable {
    /// 1-based attempt number.
    package var number: Int
    package var startedAt: Date?
    package var finishedAt: Date
    /// `completed`, `failed`, `retry` (queued again after a transient failure), `cancelled`,
    /// `interrupted` (the process shut down; not counted) or `worker-lost` (the process died).
    package var outcome: String
    /// The step the attempt ended in.
    package var step: String
    package var error: ErrorInfo?

    package init(number: Int, startedAt: Date?, finishedAt: Date, outcome: String, step: String, error: ErrorInfo? = nil) {
        self.number = number
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.step = step
        self.error = error
    }

    private enum CodingKeys: String, CodingKey { case number, startedAt, finishedAt, outcome, step, error }

    /// Every key is written, `null` when absent, as the documented JSON shapes promise.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(step, forKey: .step)
        try container.encode(error, forKey: .error)
    }
}

/// A durable job with its state, recorded in the catalog before any work starts.
package struct OperationRecord: Sendable, Equatable {
    package var id: String
    package var kind: OperationKind
    package var status: OperationStatus
    /// The step in progress or, after a failure, the step the operation failed in.
    package var step: String
    package var attempt: Int
    package var maxAttempts: Int
    package var isRetryable: Bool
    package var lastError: ErrorInfo?
    package var database: String?
    package var backupID: String?
    /// A short description of the request, e.g. `restore 3f9a0c1b7e2d to shop_restored`.
    package var summary: String
    package var createdAt: Date
    package var startedAt: Date?
    package var finishedAt: Date?
    package var progress: OperationProgress
    /// Structured result of a completed operation (e.g. the URL of a restored database).
    package var result: [String: String]
    /// What to do: the job's typed request as stored (``StoredRequest``), for a worker that
    /// picks the operation up.
    package var request: StoredRequest
    /// A queued operation does not start before this time (retry backoff).
    package var notBefore: Date?
    /// The process running the operation (`serve` or a CLI), while it runs.
    package var leaseOwner: String?
    /// The lease ends here unless renewed; an expired lease means the worker died.
    package var leaseExpiresAt: Date?
    /// Set by `op cancel` on a running operation; the worker stops at its next heartbeat.
    package var isCancelRequested: Bool
    /// Every attempt that has ended, oldest first.
    package var attempts: [OperationAttempt]

    package init(
        id: String,
        kind: OperationKind,
        status: OperationStatus = .pending,
        step: String = "queued",
        attempt: Int = 0,
        maxAttempts: Int = 1,
        isRetryable: Bool = false,
        lastError: ErrorInfo? = nil,
        database: String? = nil,
        backupID: String? = nil,
        summary: String,
        createdAt: Date,
        startedAt: Date? = nil,
        finishedAt: Date? = nil,
        progress: OperationProgress = OperationProgress(),
        result: [String: String] = [:],
        request: StoredRequest = .empty,
        notBefore: Date? = nil,
        leaseOwner: String? = nil,
        leaseExpiresAt: Date? = nil,
        isCancelRequested: Bool = false,
        attempts: [OperationAttempt] = []
    ) {
        self.id = id
        self.kind = kind
        self.status = status
        self.step = step
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.isRetryable = isRetryable
        self.lastError = lastError
        self.database = database
        self.backupID = backupID
        self.summary = summary
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.progress = progress
        self.result = result
        self.request = request
        self.notBefore = notBefore
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.isCancelRequested = isCancelRequested
        self.attempts = attempts
    }

    /// Appends the end of the current attempt to the history.
    package mutating func recordAttempt(outcome: String, startedAt: Date?, at time: Date, error: ErrorInfo? = nil) {
        attempts.append(OperationAttempt(number: attempt, startedAt: startedAt, finishedAt: time, outcome: outcome, step: step, error: error))
    }

    /// Whether the operation has ended (completed, failed or cancelled).
    package var isFinished: Bool { status == .completed || status == .failed || status == .cancelled }
}

/// One log line of an operation.
package struct OperationLogLine: Sendable, Codable, Equatable {
    /// Position in the operation's log (assigned by the catalog; 0 before it is stored), so a
    /// follower asks only for lines after the last one it saw.
    package var sequence: Int
    package var time: Date
    package var level: String
    package var message: String

    package init(sequence: Int = 0, time: Date, level: String, message: String) {
        self.sequence = sequence
        self.time = time
        self.level = level
        self.message = message
    }
}

/// What pruning the catalog's history deleted (`maintenance prune`).
package struct HistoryPruneCounts: Sendable, Equatable {
    package var operations: Int
    package var logLines: Int
    package var deliveries: Int

    package init(operations: Int = 0, logLines: Int = 0, deliveries: Int = 0) {
        self.operations = operations
        self.logLines = logLines
        self.deliveries = deliveries
    }
}
