import Foundation
import Logging
package import TidemarkCore
import TidemarkRepository

/// What a verify operation is asked to check.
package struct VerifyRequest: JobRequest {
    package var backupID: String
    /// Read and decrypt every chunk, not only check that the objects exist.
    package var readData: Bool

    package init(backupID: String, readData: Bool) {
        self.backupID = backupID
        self.readData = readData
    }

    package init(legacy parameters: [String: String], operation: OperationRecord) throws {
        self.init(backupID: try Self.require("backupId", in: parameters, of: operation, fallback: operation.backupID), readData: parameters["readData"] == "true")
    }
}

/// Verifies a completed backup (SPEC §4.5); a damaged one fails with `verify-failed` after the
/// report is in the operation log.
package struct VerifyJob: Job {
    package static let kind = OperationKind.verify
    package static let steps = ["opening repository", "checking objects", "reading data"]

    package init() {}

    /// - Throws: `backup-not-found`, `backup-not-completed`, `storage-not-found`.
    package func preflight(_ request: VerifyRequest, control: ControlPlane) async throws -> Preflighted<VerifyRequest> {
        let backup = try await control.catalog.requireCompletedBackup(id: request.backupID)
        _ = try await control.storages.get(named: backup.storage)
        return Preflighted(
            request, summary: "verify backup \(request.backupID)\(request.readData ? " with data" : "")", database: backup.database, backupID: backup.id
        )
    }

    package func perform(_ request: VerifyRequest, run: OperationRun, control: ControlPlane) async throws -> (VerifyReportRepresentation, OperationRecord) {
        let backup = try await control.catalog.requireCompletedBackup(id: request.backupID)
        let storage = try await control.storages.get(named: backup.storage)
        try await run.step("opening repository")
        let repository = try await control.openRepository(storage)
        try await run.step(request.readData ? "reading data" : "checking objects")
        let report = try await repository.verify(backupID: backup.id, readData: request.readData) { done, total in
            run.progress {
                $0.tablesDone = done
                $0.tablesTotal = total
            }
        }
        try await run.log("checked \(report.chunksChecked) chunks in \(report.packsChecked) packs, read \(HumanFormat.bytes(report.bytesRead))")
        for problem in report.problems {
            try await run.log("\(problem.object): \(problem.problem)", level: .error)
        }
        guard report.isHealthy else { throw VerifyFailedError(report: VerifyReportRepresentation(report), operationID: run.id) }
        try await run.complete(result: ["chunks": "\(report.chunksChecked)", "packs": "\(report.packsChecked)"])
        return (VerifyReportRepresentation(report), run.record)
    }
}
