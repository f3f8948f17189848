import Foundation
package import TidemarkCore

/// How much history a prune keeps.
package struct PruneRequest: JobRequest {
    /// Delete what finished more than this many days ago.
    package var olderThanDays: Int

    /// The default of `maintenance prune` and of `serve`'s daily run.
    package static let defaultDays = 90
    /// The accepted range of `olderThanDays` (one day to a hundred years).
    package static let days = 1...36_500

    package init(olderThanDays: Int = PruneRequest.defaultDays) { self.olderThanDays = olderThanDays }

    package init(legacy parameters: [String: String], operation: OperationRecord) throws {
        self.init(olderThanDays: Int(parameters["olderThanDays"] ?? "") ?? Self.defaultDays)
    }
}

/// Deletes old history from the catalog (`maintenance prune`): finished operations with their
/// logs and ended webhook deliveries, older than N days. Backups are never touched, nor the
/// operation that created a backup still recorded. `serve` runs it daily with the default.
package struct PruneJob: Job {
    package static let kind = OperationKind.prune
    package static let steps = ["pruning"]

    package init() {}

    /// - Throws: `invalid-input` when the number of days is out of range.
    package func preflight(_ request: PruneRequest, control: ControlPlane) async throws -> Preflighted<PruneRequest> {
        guard PruneRequest.days.contains(request.olderThanDays) else {
            throw TidemarkError(
                code: "invalid-input",
                message: "--older-than \(request.olderThanDays) is not a number of days from \(PruneRequest.days.lowerBound) to \(PruneRequest.days.upperBound)",
                hint: "Give the age in days, e.g. --older-than \(PruneRequest.defaultDays).",
                category: .invalidInput
            )
        }
        return Preflighted(request, summary: "prune history older than \(request.olderThanDays) days")
    }

    package func perform(_ request: PruneRequest, run: OperationRun, control: ControlPlane) async throws -> (HistoryPruneCounts, OperationRecord) {
        try await run.step("pruning")
        let cutoff = control.now().addingTimeInterval(-Double(request.olderThanDays) * 86_400)
        let counts = try await control.catalog.pruneHistory(before: cutoff)
        try await run.log(
            "deleted \(counts.operations) operations with \(counts.logLines) log lines and \(counts.deliveries) webhook deliveries that ended before \(HumanFormat.timestamp(cutoff))"
        )
        try await run.complete(result: ["operations": "\(counts.operations)", "logLines": "\(counts.logLines)", "deliveries": "\(counts.deliveries)"])
        return (counts, run.record)
    }
}
