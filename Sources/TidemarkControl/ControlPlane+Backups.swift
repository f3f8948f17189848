import Foundation
package import TidemarkCore
import TidemarkRepository

extension ControlPlane {
    /// Takes a backup of database `name` now, running it in this process as an operation.
    ///
    /// The backup is listed as `running` from the start and becomes `completed` only after
    /// its manifest, written last, is stored; any failure marks it `failed` with the error.
    /// Retention for the database then runs (SPEC §4.3).
    /// - Parameters:
    ///   - storageName: the storage to use; defaults to the plan's, or the only one registered.
    ///   - observer: sees the operation's record as progress is made.
    /// - Throws: `backup-in-progress`, `database-deprovisioned`, the engine's connection
    ///   errors, storage errors, `wrong-passphrase`, `repository-locked`.
    package func createBackup(
        database name: String,
        storage storageName: String? = nil,
        trigger: BackupTrigger = .manual,
        observer: OperationObserver? = nil
    ) async throws -> BackupRecord {
        let request = try await backupRequest(database: name, storage: storageName, trigger: trigger)
        let run = try await OperationRun(
            starting: .backup,
            summary: request.summary,
            database: name,
            backupID: request.backupID,
            parameters: request.parameters,
            control: self,
            observer: observer
        )
        let backup = try await run.execute { try await performBackup(request, run: run) }
        await applyRetentionAfterBackup(database: name)
        return backup
    }

    /// Queues a backup of `name` for `serve` (`backup create --async`, scheduled runs).
    /// - Throws: as ``createBackup(database:storage:trigger:observer:)`` before any work starts.
    package func enqueueBackup(database name: String, storage storageName: String? = nil, trigger: BackupTrigger = .manual) async throws -> OperationRecord {
        let request = try await backupRequest(database: name, storage: storageName, trigger: trigger)
        return try await insertQueued(request.operation(createdAt: now(), attempts: configuration.backgroundAttempts))
    }

    /// Checks a backup request and fixes its storage and backup id.
    func backupRequest(database name: String, storage storageName: String?, trigger: BackupTrigger) async throws -> BackupRequest {
        let database = try await database(named: name)
        if database.deprovisionedAt != nil && trigger != .final {
            throw ControlError(.databaseDeprovisioned, "database \(name) is deprovisioned", hint: "Its backups stay listable with 'tidemark backup list --deprovisioned' and can be restored.")
        }
        _ = try engine(database.engine)
        var storageName = storageName
        if storageName == nil { storageName = try await catalog.plan(database: name)?.storage }
        let storage = try await resolveStorage(storageName)
        if let active = try await catalog.activeOperation(kind: .backup, database: name) {
            throw ControlError(
                .backupInProgress,
                "a backup of \(name) is already queued or running (operation \(active.id))",
                hint: "Wait for it ('tidemark op show \(active.id)'), or cancel it with 'tidemark op cancel'."
            )
        }
        return BackupRequest(database: name, storage: storage.name, trigger: trigger, backupID: Identifier.make())
    }

    /// The work of a backup operation, in the operation's run (in-process or claimed by a worker).
    ///
    /// On a later attempt, a manifest already stored under the backup's id (the previous
    /// attempt died after writing it) is recorded instead of dumping again.
    func performBackup(_ request: BackupRequest, run: OperationRun) async throws -> BackupRecord {
        let name = request.database
        let database = try await database(named: name)
        let storage = try await self.storage(named: request.storage)
        let engine = try engine(database.engine)
        let backupID = request.backupID
        var backup = BackupRecord(
            id: backupID,
            database: name,
            storage: storage.name,
            status: .running,
            trigger: request.trigger,
            method: .logical,
            engine: database.engine,
            startedAt: run.record.startedAt ?? now(),
            operationID: run.id
        )
        if let existing = try await catalog.backup(id: backupID) {
            backup.startedAt = existing.startedAt
            try await catalog.updateBackup(backup)
        } else {
            try await catalog.insertBackup(backup)
        }
        do {
            try await run.step("opening repository")
            let repository = try await openRepository(storage)
            if run.record.attempt > 1, let manifest = try? await repository.manifest(id: backupID) {
                try await run.log("attempt \(run.record.attempt): the manifest of backup \(backupID) is already stored; recording it")
                return try await record(manifest, into: backup, run: run)
            }
            try await run.step("connecting")
            // The last completed backup's size estimates the total, so progress can show an ETA.
            if let previous = try await catalog.backups(matching: BackupFilter(database: name, status: .completed), limit: 1, after: nil).first {
                run.progress { $0.bytesTotal = previous.logicalBytes }
            }
            let version = try await engine.serverVersion(of: database.target)
            backup.serverVersion = version
            try await run.log("server version \(version)")
            let manifest = try await repository.withLock(exclusive: false, purpose: "backup \(backupID) of \(name)") {
                try await run.step("loading index")
                let index = try await repository.loadIndex()
                try await run.log("index holds \(index.count) chunks in \(index.packs.count) packs")
                try await run.step("dumping")
                // "Data from" is when this attempt's dump began (pg_dump takes its snapshot as it
                // connects), not when the first attempt started: a retry 15 minutes later holds
                // data from 15 minutes later.
                let snapshotAt = now()
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
                            try await run.saveProgressIfDue()
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
                    trigger: request.trigger,
                    serverVersion: summary.serverVersion.isEmpty ? version : summary.serverVersion,
                    startedAt: snapshotAt,
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
            return try await record(manifest, into: backup, run: run)
        } catch {
            switch run.outcome(of: error) {
            case .retry, .resumeLater:
                backup.status = .pending
                backup.error = ErrorInfo(error)
            case .leaseLost:
                throw error
            case .cancelled, .failed:
                backup.status = .failed
                backup.finishedAt = now()
                backup.error = ErrorInfo(error)
                metrics.backupFinished(
                    status: .failed, duration: now().timeIntervalSince(backup.startedAt),
                    bytesRead: run.record.progress.bytesRead, bytesStored: run.record.progress.bytesStored
                )
            }
            try? await catalog.updateBackup(backup)
            if backup.status == .failed, case .failed = run.outcome(of: error) {
                await notify(Notice(
                    .backupFailed, status: "failed", database: name, storage: storage.name,
                    message: "backup \(backupID) of \(name) failed: \(ErrorInfo(error).message)", backup: backup
                ))
            }
            throw error
        }
    }

    private func record(_ manifest: BackupManifest, into backup: BackupRecord, run: OperationRun) async throws -> BackupRecord {
        var backup = backup
        try await run.step("recording")
        backup.status = .completed
        backup.serverVersion = manifest.serverVersion
        backup.startedAt = manifest.startedAt
        backup.finishedAt = manifest.finishedAt
        backup.logicalBytes = manifest.logicalBytes
        backup.storedBytes = manifest.storedBytes
        backup.databases = manifest.databases
        backup.error = nil
        try await catalog.updateBackup(backup)
        try await run.complete(result: ["backupId": backup.id])
        metrics.backupFinished(
            status: .completed, duration: (backup.finishedAt ?? now()).timeIntervalSince(backup.startedAt),
            bytesRead: backup.logicalBytes, bytesStored: backup.storedBytes
        )
        await notifyIfRecovered(backup)
        return backup
    }

    /// Sends `backup.recovered` when the database's previous finished backup had failed.
    private func notifyIfRecovered(_ backup: BackupRecord) async {
        guard let recent = try? await catalog.backups(matching: BackupFilter(database: backup.database), limit: 10, after: nil),
            let previous = recent.first(where: { $0.id != backup.id && ($0.status == .completed || $0.status == .failed) }),
            previous.status == .failed
        else { return }
        await notify(Notice(
            .backupRecovered, status: "completed", database: backup.database, storage: backup.storage,
            message: "backup \(backup.id) of \(backup.database) completed after backup \(previous.id) had failed", backup: backup
        ))
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

/// A checked backup request, as stored in its operation's parameters.
struct BackupRequest: Sendable {
    var database: String
    var storage: String
    var trigger: BackupTrigger
    var backupID: String

    var summary: String { "\(trigger == .manual ? "" : "\(trigger.rawValue) ")backup \(database) to \(storage)" }

    var parameters: [String: String] {
        ["database": database, "storage": storage, "trigger": trigger.rawValue, "backupId": backupID]
    }

    init(database: String, storage: String, trigger: BackupTrigger, backupID: String) {
        self.database = database
        self.storage = storage
        self.trigger = trigger
        self.backupID = backupID
    }

    /// Reads the request back from a queued operation.
    init(_ operation: OperationRecord) throws {
        let parameters = operation.parameters
        guard let database = parameters["database"] ?? operation.database, let storage = parameters["storage"],
            let backupID = parameters["backupId"] ?? operation.backupID
        else {
            throw TidemarkError(code: "invalid-operation", message: "operation \(operation.id) lacks the database, storage or backup id of its backup", category: .internal)
        }
        self.init(database: database, storage: storage, trigger: BackupTrigger(rawValue: parameters["trigger"] ?? "") ?? .manual, backupID: backupID)
    }

    /// A pending operation that runs this request.
    func operation(createdAt: Date, attempts: Int) -> OperationRecord {
        OperationRecord(
            id: Identifier.make(),
            kind: .backup,
            status: .pending,
            step: "queued",
            attempt: 0,
            maxAttempts: attempts,
            database: database,
            backupID: backupID,
            summary: summary,
            createdAt: createdAt,
            parameters: parameters
        )
    }
}
