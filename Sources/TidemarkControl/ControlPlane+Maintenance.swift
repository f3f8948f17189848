import Logging
import Foundation
package import TidemarkCore
package import TidemarkRepository

/// What purging a backup did.
package struct PurgeResult: Sendable {
    package var operation: OperationRecord
    /// Nil when garbage collection was deferred because the repository was locked.
    package var garbageCollection: GarbageCollectionReport?
    package var deferredReason: String?
}

extension ControlPlane {
    /// Verifies backup `id` (SPEC §4.5).
    /// - Throws: `ControlError` `verify-failed` listing the damaged objects, after recording
    ///   the report in the operation log.
    package func verifyBackup(id: String, readData: Bool, observer: OperationObserver? = nil) async throws -> (VerifyReport, OperationRecord) {
        let backup = try await completedBackup(id: id)
        _ = try await storage(named: backup.storage)
        let run = try await OperationRun(
            starting: .verify,
            summary: "verify backup \(id)\(readData ? " with data" : "")",
            database: backup.database,
            backupID: id,
            parameters: ["backupId": id, "readData": "\(readData)"],
            control: self,
            observer: observer
        )
        return try await run.execute { try await performVerify(id: id, readData: readData, run: run) }
    }

    /// The work of a verify operation.
    func performVerify(id: String, readData: Bool, run: OperationRun) async throws -> (VerifyReport, OperationRecord) {
        let backup = try await completedBackup(id: id)
        let storage = try await storage(named: backup.storage)
        do {
            try await run.step("opening repository")
            let repository = try await openRepository(storage)
            try await run.step(readData ? "reading data" : "checking objects")
            let report = try await repository.verify(backupID: id, readData: readData) { done, total in
                run.progress {
                    $0.tablesDone = done
                    $0.tablesTotal = total
                }
            }
            try await run.log("checked \(report.chunksChecked) chunks in \(report.packsChecked) packs, read \(HumanFormat.bytes(report.bytesRead))")
            for problem in report.problems {
                try await run.log("\(problem.object): \(problem.problem)", level: .error)
            }
            guard report.isHealthy else { throw VerifyFailedError(report: report, operationID: run.id) }
            try await run.complete(result: ["chunks": "\(report.chunksChecked)", "packs": "\(report.packsChecked)"])
            return (report, run.record)
        }
    }

    /// Writes backup `id` as the engine's native dump (for PostgreSQL, a pg_dump custom-format
    /// archive that pg_restore reads) to `sink`, chunk by chunk.
    package func exportBackup(id: String, observer: OperationObserver? = nil, into sink: ([UInt8]) async throws -> Void) async throws -> OperationRecord {
        let backup = try await completedBackup(id: id)
        let storage = try await storage(named: backup.storage)
        let run = try await OperationRun(starting: .export, summary: "export backup \(id)", database: backup.database, backupID: id, control: self, observer: observer)
        return try await run.execute {
            try await run.step("opening repository")
            let repository = try await openRepository(storage)
            let manifest = try await repository.manifest(id: id)
            guard let stream = manifest.streams.first else {
                throw ControlError(.backupNotRestorable, "backup \(id) has no data stream")
            }
            run.progress { $0.bytesTotal = stream.size }
            try await run.step("loading index")
            let index = try await repository.loadIndex()
            try await run.step("exporting")
            try await repository.withStreamReader(stream, index: index) { reader in
                while let chunk = try await reader.nextChunk() {
                    try await sink(chunk)
                    run.progress { $0.bytesRead = reader.bytesRead }
                    try await run.saveProgressIfDue()
                }
            }
            try await run.complete(result: ["bytes": "\(stream.size)", "format": stream.format])
            return run.record
        }
    }

    /// Deletes backup `id`: its manifest, its catalog record, then garbage-collects data no
    /// other backup references. Collection is deferred (and the purge still succeeds) when a
    /// backup holds the repository lock; the next purge collects what is left.
    package func purgeBackup(id: String, observer: OperationObserver? = nil) async throws -> PurgeResult {
        let backup = try await purgeableBackup(id: id)
        let run = try await OperationRun(
            starting: .purge, summary: "purge backup \(id)", database: backup.database, backupID: id,
            parameters: ["backupId": id], control: self, observer: observer
        )
        return try await run.execute { try await performPurge(id: id, run: run) }
    }

    /// The backup `id`, unless a backup operation is writing it right now: purging under a
    /// running dump would delete what it is about to reference.
    /// - Throws: `backup-not-found`, `backup-in-progress`.
    func purgeableBackup(id: String) async throws -> BackupRecord {
        let backup = try await backup(id: id)
        if backup.status == .running, let operationID = backup.operationID, let operation = try await catalog.operation(id: operationID), operation.status == .running {
            throw ControlError(
                .backupInProgress,
                "backup \(id) is being taken right now (operation \(operationID))",
                hint: "Cancel it first with 'tidemark op cancel \(operationID)', then purge it."
            )
        }
        return backup
    }

    /// The work of a purge operation.
    func performPurge(id: String, run: OperationRun) async throws -> PurgeResult {
        let backup = try await backup(id: id)
        let storage = try await storage(named: backup.storage)
        do {
            try await run.step("opening repository")
            let repository = try await openRepository(storage)
            try await run.step("deleting manifest")
            try await repository.deleteManifest(id: id)
            try await catalog.deleteBackup(id: id, at: now())
            try await run.step("collecting garbage")
            do {
                let report = try await repository.collectGarbage()
                try await run.log("deleted \(report.packsDeleted) packs (\(HumanFormat.bytes(report.bytesFreed))), kept \(report.packsKept)")
                try await run.complete(result: ["packsDeleted": "\(report.packsDeleted)", "bytesFreed": "\(report.bytesFreed)"])
                return PurgeResult(operation: run.record, garbageCollection: report, deferredReason: nil)
            } catch let error as RepositoryError where error.kind == .repositoryLocked {
                try await run.log("garbage collection deferred: \(error.message)", level: .warning)
                try await run.complete(result: ["garbageCollection": "deferred"])
                return PurgeResult(operation: run.record, garbageCollection: nil, deferredReason: error.message)
            }
        }
    }
}
