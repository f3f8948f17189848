import Foundation
package import TidemarkCore
import TidemarkRepository

extension ControlPlane {
    /// Takes a backup of database `name` now, running it in this process as an operation.
    ///
    /// The backup is listed as `running` from the start and becomes `completed` only after
    /// its manifest, written last, is stored; any failure marks it `failed` with the error.
    /// - Parameters:
    ///   - storageName: the storage to use; may be nil when only one is registered.
    ///   - observer: sees the operation's record as progress is made.
    /// - Throws: the engine's connection errors, storage errors, `wrong-passphrase`,
    ///   `repository-locked`.
    package func createBackup(
        database name: String,
        storage storageName: String? = nil,
        trigger: BackupTrigger = .manual,
        observer: OperationObserver? = nil
    ) async throws -> BackupRecord {
        let database = try await database(named: name)
        let storage = try await resolveStorage(storageName)
        let engine = try engine(database.engine)
        let backupID = Identifier.make()
        let run = try await OperationRun(
            kind: .backup,
            summary: "backup \(name) to \(storage.name)",
            database: name,
            backupID: backupID,
            control: self,
            observer: observer
        )
        var backup = BackupRecord(
            id: backupID,
            database: name,
            storage: storage.name,
            status: .running,
            trigger: trigger,
            method: .logical,
            engine: database.engine,
            startedAt: run.record.startedAt ?? now(),
            operationID: run.id
        )
        try await catalog.insertBackup(backup)
        do {
            try await run.step("opening repository")
            let repository = try await openRepository(storage)
            try await run.step("connecting")
            let version = try await engine.serverVersion(of: database.target)
            backup.serverVersion = version
            try await run.log("server version \(version)")
            let manifest = try await repository.withLock(exclusive: false, purpose: "backup \(backupID) of \(name)") {
                try await run.step("loading index")
                let index = try await repository.loadIndex()
                try await run.log("index holds \(index.count) chunks in \(index.packs.count) packs")
                try await run.step("dumping")
                var summary: DumpSummary?
                let written = try await repository.writeStream(
                    index: index,
                    progress: { read, stored in
                        run.progress {
                            $0.bytesRead = read
                            $0.bytesStored = stored
                        }
                    }
                ) { writer in
                    summary = try await engine.dump(
                        database.target,
                        into: { buffer in
                            try await writer.append(buffer)
                            await run.saveProgressIfDue()
                        },
                        progress: { done, total in
                            run.progress {
                                $0.tablesDone = done
                                $0.tablesTotal = total
                            }
                        }
                    )
                }
                guard let summary else {
                    throw TidemarkError(code: "internal-error", message: "the dump finished without a summary", category: .internal)
                }
                try await run.log("dumped \(HumanFormat.bytes(written.size)) in \(written.chunks.count) chunks; \(written.newChunks) new, \(HumanFormat.bytes(written.storedBytes)) stored")
                try await run.step("writing manifest")
                let manifest = BackupManifest(
                    id: backupID,
                    database: name,
                    engine: database.engine,
                    method: .logical,
                    trigger: trigger,
                    serverVersion: summary.serverVersion.isEmpty ? version : summary.serverVersion,
                    startedAt: backup.startedAt,
                    finishedAt: now(),
                    logicalBytes: written.size,
                    storedBytes: written.storedBytes,
                    databases: summary.databases,
                    dumpObjects: summary.objects,
                    streams: [StreamReference(name: "\(database.connection.database).pgdump", format: summary.format, size: written.size, chunks: written.chunks.map(\.hex))]
                )
                try await repository.saveManifest(manifest)
                return manifest
            }
            try await run.step("recording")
            backup.status = .completed
            backup.finishedAt = manifest.finishedAt
            backup.logicalBytes = manifest.logicalBytes
            backup.storedBytes = manifest.storedBytes
            backup.databases = manifest.databases
            try await catalog.updateBackup(backup)
            try await run.complete(result: ["backupId": backupID])
            return backup
        } catch {
            backup.status = .failed
            backup.finishedAt = now()
            backup.error = ErrorInfo(error)
            try? await catalog.updateBackup(backup)
            await run.fail(error)
            throw error
        }
    }

    /// Backups matching `filter`, newest first.
    package func backups(matching filter: BackupFilter) async throws -> [BackupRecord] {
        if let database = filter.database { _ = try await self.database(named: database) }
        return try await catalog.backups(matching: filter)
    }

    /// The backup `id`.
    /// - Throws: `ControlError` `backup-not-found`.
    package func backup(id: String) async throws -> BackupRecord {
        guard let backup = try await catalog.backup(id: id) else {
            throw ControlError(.backupNotFound, "backup \(id) does not exist", hint: "Run 'tidemark backup list' to see backup ids.")
        }
        return backup
    }

    /// The backup `id`, which must be completed.
    func completedBackup(id: String) async throws -> BackupRecord {
        let backup = try await backup(id: id)
        guard backup.status == .completed else {
            throw ControlError(
                .backupNotRestorable,
                "backup \(id) is \(backup.status.rawValue), not completed",
                hint: "Only completed backups can be used; 'tidemark backup list --status completed' shows them."
            )
        }
        return backup
    }
}
