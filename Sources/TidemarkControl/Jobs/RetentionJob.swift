import Foundation
import Logging
package import TidemarkCore
import TidemarkRepository

/// Which backups a retention run considers.
package struct RetentionRequest: JobRequest {
    /// One database (after its backup); nil for all.
    package var database: String?

    package init(database: String?) { self.database = database }

    package init(legacy parameters: [String: String], operation: OperationRecord) throws {
        self.init(database: parameters["database"])
    }
}

/// Deletes what the retention policies no longer keep (SPEC §4.3): manifests and records,
/// then garbage collection once per storage (deferred while a backup holds the lock).
package struct RetentionJob: Job {
    package static let kind = OperationKind.retention
    package static let steps = ["evaluating", "deleting from STORAGE", "collecting garbage in STORAGE"]

    package init() {}

    package func preflight(_ request: RetentionRequest, control: ControlPlane) async throws -> Preflighted<RetentionRequest> {
        Preflighted(request, summary: "retention for \(request.database ?? "all databases")", database: request.database)
    }

    package func perform(_ request: RetentionRequest, run: OperationRun, control: ControlPlane) async throws -> RetentionResult {
        try await control.performRetention(database: request.database, run: run)
    }
}

extension ControlPlane {
    /// The work of a retention operation: delete manifests and records, then collect garbage
    /// once per storage (deferred while a backup holds the repository lock).
    fileprivate func performRetention(database: String?, run: OperationRun) async throws -> RetentionResult {
        try await run.step("evaluating")
        let items = try await plans.retentionDecisions(database: database)
        let deleted = items.filter { !$0.decision.keeps }
        let kept = items.filter(\.decision.keeps)
        try await plans.recordExpiries(of: kept)
        try await run.log("\(items.count) completed backups: \(kept.count) kept, \(deleted.count) to delete")
        let byStorage = Dictionary(grouping: deleted) { $0.backup.storage }
        for storageName in byStorage.keys.sorted() {
            guard let items = byStorage[storageName] else { continue }
            try await run.step("deleting from \(storageName)")
            let storage = try await storage(named: storageName)
            let repository = try await openRepository(storage)
            for item in items {
                try await repository.deleteManifest(id: item.backup.id)
                try await catalog.deleteBackup(id: item.backup.id, at: now())
                try await run.log("backup \(item.backup.id) of \(item.backup.database) (\(HumanFormat.timestamp(item.backup.startedAt))) \(item.decision.reason)")
            }
            try await run.step("collecting garbage in \(storageName)")
            do {
                let report = try await repository.collectGarbage()
                try await run.log("deleted \(report.packsDeleted) packs (\(HumanFormat.bytes(report.bytesFreed))), kept \(report.packsKept)")
            } catch let error as RepositoryError where error.kind == .repositoryLocked {
                try await run.log("garbage collection deferred: \(error.message)", level: .warning)
            }
        }
        var walDeleted = 0
        for name in Set(items.map(\.backup.database)).sorted() {
            guard let database = try await catalog.database(named: name), database.walNamespace != nil else { continue }
            let pruned = try await walArchive.pruneWAL(database: database)
            if pruned.count > 0 {
                walDeleted += pruned.count
                try await run.log("deleted \(pruned.count) archived WAL files of \(name) (\(HumanFormat.bytes(pruned.bytes)) stored) older than its oldest base backup")
            }
        }
        try await run.complete(result: ["deleted": "\(deleted.count)", "kept": "\(kept.count)", "walDeleted": "\(walDeleted)"])
        return RetentionResult(operation: run.record, deleted: deleted, kept: kept)
    }
}
