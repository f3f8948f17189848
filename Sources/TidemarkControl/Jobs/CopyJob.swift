import Foundation
package import TidemarkCore
import TidemarkRepository

/// What a copy operation is asked to do: copy completed backup `backupID` into `storage`.
package struct CopyRequest: JobRequest {
    /// The backup copied.
    package var backupID: String
    /// The storage the copy goes to.
    package var storage: String
    /// The id of the copy (a backup of its own); nil until the preflight assigns one.
    package var copyID: String?

    package init(backupID: String, storage: String, copyID: String? = nil) {
        self.backupID = backupID
        self.storage = storage
        self.copyID = copyID
    }

    package init(legacy parameters: [String: String], operation: OperationRecord) throws {
        // Copies were never stored in the untyped form.
        throw TidemarkError(code: "invalid-operation", message: "operation \(operation.id) is a copy stored without a typed request", category: .internal)
    }
}

/// A copy of a completed backup into another storage (SPEC §4.10): a backup of trigger `copy`
/// there, restorable on its own. Only chunks the target lacks are sent — as sealed chunks when
/// the target shares the source's chunking (`storage add --copy-of`), else by cutting the
/// streams again with the target's keys. A physical backup's WAL archive goes along, so
/// point-in-time recovery works from the copy. The manifest is written last.
package struct CopyJob: Job {
    package init() {}

    package static let kind = OperationKind.copy
    package static let steps = ["opening repositories", "loading indexes", "copying chunks", "copying WAL", "writing manifest", "recording"]

    /// - Throws: `backup-not-found`, `backup-not-completed`, `storage-not-found`,
    ///   `copy-same-storage`, `copy-exists`, `passphrase-missing`.
    package func preflight(_ request: CopyRequest, control: ControlPlane) async throws -> Preflighted<CopyRequest> {
        let source = try await control.catalog.requireCompletedBackup(id: request.backupID)
        let target = try await control.storages.get(named: request.storage)
        _ = try await control.storages.get(named: source.storage)
        guard target.name != source.storage else {
            throw ControlError(.copySameStorage, "backup \(source.id) is in storage \(target.name) already", hint: "Copy it to another storage: 'tidemark backup copy \(source.id) --to OTHER'.")
        }
        if request.copyID == nil, let existing = try await Self.existingCopy(of: source, in: target.name, control: control) {
            throw ControlError(
                .copyExists, "backup \(source.id) already has copy \(existing.id) in storage \(target.name) (\(existing.status.rawValue))",
                hint: "See it with 'tidemark backup show \(existing.id)'; purge it first to copy again."
            )
        }
        _ = try control.passphrase()
        let checked = CopyRequest(backupID: source.id, storage: target.name, copyID: request.copyID ?? Identifier.make())
        return Preflighted(checked, summary: "copy backup \(source.id) of \(source.database) to \(target.name)", database: source.database, backupID: checked.copyID)
    }

    /// The copy of `source` in `storage` that is not failed, if any.
    static func existingCopy(of source: BackupRecord, in storage: String, control: ControlPlane) async throws -> BackupRecord? {
        try await control.catalog.backups(matching: BackupFilter(database: source.database)).first {
            $0.copyOf == source.id && $0.storage == storage && $0.status != .failed
        }
    }

    package func perform(_ request: CopyRequest, run: OperationRun, control: ControlPlane) async throws -> BackupRecord {
        guard let copyID = request.copyID else {
            throw TidemarkError(code: "invalid-operation", message: "operation \(run.id) lacks the id of its copy", category: .internal)
        }
        return try await control.performCopy(of: request.backupID, to: request.storage, id: copyID, run: run)
    }

    package func afterCompletion(_ request: CopyRequest, control: ControlPlane) async {
        guard let source = try? await control.catalog.backup(id: request.backupID) else { return }
        await control.plans.applyRetentionAfterBackup(database: source.database)
    }
}

extension ControlPlane {
    fileprivate func performCopy(of sourceID: String, to storageName: String, id copyID: String, run: OperationRun) async throws -> BackupRecord {
        let source = try await catalog.requireCompletedBackup(id: sourceID)
        let sourceStorage = try await storage(named: source.storage)
        let target = try await storage(named: storageName)
        var copy = BackupRecord(
            id: copyID, database: source.database, storage: target.name, status: .running, trigger: .copy, method: source.method,
            engine: source.engine, serverVersion: source.serverVersion, startedAt: source.startedAt, logicalBytes: source.logicalBytes,
            operationID: run.id, databases: source.databases, physical: source.physical
        )
        copy.copyOf = source.id
        copy.warnings = source.warnings
        if try await catalog.backup(id: copyID) != nil {
            try await catalog.updateBackup(copy)
        } else {
            try await catalog.insertBackup(copy)
        }
        do {
            try await run.step("opening repositories")
            let from = try await openRepository(sourceStorage)
            let into = try await openRepository(target)
            if run.record.attempt > 1, let manifest = try? await into.manifest(id: copyID) {
                try await run.log("attempt \(run.record.attempt): the manifest of copy \(copyID) is already stored; recording it")
                return try await recordCopy(manifest, into: copy, run: run)
            }
            let manifest = try await from.withLock(exclusive: false, purpose: "copy of backup \(sourceID) to \(target.name)") {
                try await into.withLock(exclusive: false, purpose: "copy \(copyID) of backup \(sourceID)") {
                    try await copyManifest(source: source, id: copyID, from: from, into: into, target: target.name, run: run)
                }
            }
            return try await recordCopy(manifest, into: copy, run: run)
        } catch {
            let outcome = run.outcome(of: error)
            guard copy.settle(after: error, outcome: outcome, at: now()) else { throw error }
            try? await catalog.updateBackup(copy)
            if outcome == .failed {
                await notify(Notice(
                    .copyFailed, status: "failed", database: source.database, storage: target.name,
                    message: "copy of backup \(sourceID) of \(source.database) to \(target.name) failed: \(ErrorInfo(error).message)", backup: copy
                ))
            }
            throw error
        }
    }

    /// Moves the streams (and WAL) of `source` into `into`, then writes the copy's manifest.
    private func copyManifest(
        source: BackupRecord, id copyID: String, from: Repository, into: Repository, target: String, run: OperationRun
    ) async throws -> BackupManifest {
        try await run.step("loading indexes")
        let sourceIndex = try await from.loadIndex()
        let index = try await into.loadIndex()
        var manifest = try await from.manifest(id: source.id)
        run.progress { $0.bytesTotal = manifest.logicalBytes }
        try await run.step("copying chunks")
        let copied = try await into.copyStreams(
            manifest.streams, from: from, sourceIndex: sourceIndex, index: index,
            progress: { done, sent in run.streamProgress(read: done, stored: sent) }
        )
        try await run.log(
            "\(copied.rechunked ? "cut again with the copy's keys" : "sealed chunks moved (shared chunking)"): \(copied.chunksSent) chunks sent, \(copied.chunksPresent) already there, \(HumanFormat.bytes(copied.bytesSent)) stored"
        )
        if let namespace = manifest.physical?.walNamespace {
            try await run.step("copying WAL")
            let wal = try await into.copyWAL(namespace: namespace, from: from)
            try await run.log("WAL of namespace \(namespace): \(wal.files) files copied (\(HumanFormat.bytes(wal.bytes)))")
        }
        try await run.step("writing manifest")
        manifest.id = copyID
        manifest.trigger = .copy
        manifest.copyOf = source.id
        manifest.streams = copied.streams
        manifest.storedBytes = copied.bytesSent
        manifest.finishedAt = now()
        try await into.saveManifest(manifest)
        run.progress { $0.bytesStored = copied.bytesSent }
        return manifest
    }

    private func recordCopy(_ manifest: BackupManifest, into copy: BackupRecord, run: OperationRun) async throws -> BackupRecord {
        var copy = copy
        try await run.step("recording")
        copy.status = .completed
        copy.finishedAt = manifest.finishedAt
        copy.storedBytes = manifest.storedBytes
        copy.logicalBytes = manifest.logicalBytes
        copy.error = nil
        try await catalog.updateBackup(copy)
        try await run.complete(result: ["backupId": copy.id, "copyOf": manifest.copyOf ?? "", "storedBytes": "\(manifest.storedBytes)"])
        return copy
    }
}
