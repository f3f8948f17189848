package import TidemarkCore
package import TidemarkRepository

/// Verification found missing or damaged objects; the error carries the whole report, so
/// `backup verify --output json` can list every problem, not only the first.
package struct VerifyFailedError: UserFacingError {
    package var report: VerifyReport
    package var operationID: String

    package init(report: VerifyReport, operationID: String) {
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

/// The JSON shape of a verification (`backup verify --output json`), healthy or not.
package struct VerifyReportRepresentation: Encodable, Sendable {
    /// Spelled `backupID` since the first release; kept for scripts that read it.
    package var backupID: String
    package var healthy: Bool
    package var readData: Bool
    package var chunksChecked: Int
    package var packsChecked: Int
    package var bytesRead: Int64
    package var problems: [VerifyProblem]

    package init(_ report: VerifyReport) {
        backupID = report.backupID
        healthy = report.isHealthy
        readData = report.readData
        chunksChecked = report.chunksChecked
        packsChecked = report.packsChecked
        bytesRead = report.bytesRead
        problems = report.problems
    }
}
