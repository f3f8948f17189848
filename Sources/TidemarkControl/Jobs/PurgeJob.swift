import Foundation
import Logging
package import TidemarkCore
import TidemarkRepository

/// Which backup a purge deletes.
package struct PurgeRequest: JobRequest {
    package var backupID: String

    package init(backupID: String) { self.backupID = backupID }

    package init(legacy parameters: [String: String], operation: OperationRecord) throws {
        self.init(backupID: try Self.require("backupId", in: parameters, of: operation, fallback: operation.backupID))
    }
}

/// What purging a backup did.
package struct PurgeResult: Sendable {
    package var operation: OperationRecord
    /// Nil when garbage collection was deferred because the repository was locked.
    package var garbageCollection: CollectionSummary?
    package var deferredReason: String?
}

/// Deletes a backup (any status): its manifest, its catalog record, then garbage-collects data
/// no other backup references. Collection is deferred (and the purge still succeeds) when a
/// backup holds the repository lock; the next purge collects what is left.
package struct PurgeJob: Job {
    package static let kind = OperationKind.purge
    package static let steps = ["opening repository", "deleting manifest", "collecting garbage"]

    package init() {}

    /// - Throws: `backup-not-found`, `backup-in-progress` (a backup operation is writing it).
    package func preflight(_ request: PurgeRequest, control: ControlPlane) async throws -> Preflighted<PurgeRequest> {
        let backup = try await control.purgeableBackup(id: request.backupID)
        return Preflighted(request, summary: "purge backup \(request.backupID)", database: backup.database, backupID: backup.id)
    }

    package func perform(_ request: PurgeRequest, run: OperationRun, control: ControlPlane) async throws -> PurgeResult {
        let id = request.backupID
        let backup = try await control.catalog.requireBackup(id: id)
        let storage = try await control.storages.get(named: backup.storage)
        try await run.step("opening repository")
        let repository = try await control.openRepository(storage)
        try await run.step("deleting manifest")
        try await repository.deleteManifest(id: id)
        try await control.catalog.deleteBackup(id: id, at: control.now())
        try await run.step("collecting garbage")
        do {
            let report = try await repository.collectGarbage()
            try await run.log("deleted \(report.packsDeleted) packs (\(HumanFormat.bytes(report.bytesFreed))), kept \(report.packsKept)")
            try await run.complete(result: ["packsDeleted": "\(report.packsDeleted)", "bytesFreed": "\(report.bytesFreed)"])
            return PurgeResult(operation: run.record, garbageCollection: CollectionSummary(report), deferredReason: nil)
        } catch let error as RepositoryError where error.kind == .repositoryLocked {
            try await run.log("garbage collection deferred: \(error.message)", level: .warning)
            try await run.complete(result: ["garbageCollection": "deferred"])
            return PurgeResult(operation: run.record, garbageCollection: nil, deferredReason: error.message)
        }
    }
}

extension ControlPlane {
    /// The backup `id`, unless a backup operation is writing it right now: purging under a
    /// running dump would delete what it is about to reference.
    /// - Throws: `backup-not-found`, `backup-in-progress`.
    func purgeableBackup(id: String) async throws -> BackupRecord {
        let backup = try await catalog.requireBackup(id: id)
        if backup.status == .running, let operationID = backup.operationID, let operation = try await catalog.operation(id: operationID), operation.status == .running {
            throw ControlError(
                .backupInProgress,
                "backup \(id) is being taken right now (operation \(operationID))",
                hint: "Cancel it first with 'tidemark op cancel \(operationID)', then purge it."
            )
        }
        return backup
    }
}
