package import TidemarkCore
import TidemarkRepository

/// Verification found missing or damaged objects; the error carries the whole report, so
/// `backup verify --output json` can list every problem, not only the first.
package struct VerifyFailedError: UserFacingError {
    package var report: VerifyReportRepresentation
    package var operationID: String

    package init(report: VerifyReportRepresentation, operationID: String) {
        self.report = report
        self.operationID = operationID
    }

    package var code: String { ControlError.Code.verifyFailed.rawValue }
    package var category: ErrorCategory { .integrity }

    package var message: String {
        let first = report.problems.first.map { ", first \($0.object): \($0.problem)" } ?? ""
        return "backup \(report.backupID) is damaged: \(report.problems.count) problem(s)\(first)"
    }

    package var hint: String? {
        "Take a new backup now; 'tidemark op logs \(operationID)' lists every damaged object."
    }
}

/// The JSON shape of a verification (`backup verify --output json`), healthy or not; also
/// what `verifyBackup` returns, so callers never see the repository's own types.
package struct VerifyReportRepresentation: Encodable, Sendable, Equatable {
    /// One missing or damaged object.
    package struct Problem: Encodable, Sendable, Equatable {
        /// The object key (e.g. `data/ab/ab12…`) or `chunk <id>`.
        package var object: String
        package var problem: String
    }

    /// Spelled `backupID` since the first release; kept for scripts that read it.
    package var backupID: String
    package var healthy: Bool
    package var readData: Bool
    package var chunksChecked: Int
    package var packsChecked: Int
    package var bytesRead: Int64
    package var problems: [Problem]

    init(_ report: VerifyReport) {
        backupID = report.backupID
        healthy = report.isHealthy
        readData = report.readData
        chunksChecked = report.chunksChecked
        packsChecked = report.packsChecked
        bytesRead = report.bytesRead
        problems = report.problems.map { Problem(object: $0.object, problem: $0.problem) }
    }
}

/// What a garbage collection deleted and kept (a purge's result).
package struct CollectionSummary: Sendable, Equatable {
    package var packsDeleted: Int
    package var packsKept: Int
    package var bytesFreed: Int64

    init(_ report: GarbageCollectionReport) {
        packsDeleted = report.packsDeleted
        packsKept = report.packsKept
        bytesFreed = report.bytesFreed
    }
}
