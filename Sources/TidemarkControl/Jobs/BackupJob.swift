import Foundation
import Logging
package import TidemarkCore
import TidemarkRepository

/// What a backup operation is asked to do.
package struct BackupRequest: JobRequest {
    package var database: String
    /// The storage to use; nil: the plan's, or the only one registered (fixed by the preflight).
    package var storage: String?
    package var trigger: BackupTrigger
    /// The id of the backup record; nil until the preflight assigns one.
    package var backupID: String?
    /// Logical (a dump) or physical (a base backup of a managed instance); nil: the plan's, or
    /// logical (fixed by the preflight).
    package var method: BackupMethod?

    package init(database: String, storage: String? = nil, trigger: BackupTrigger = .manual, backupID: String? = nil, method: BackupMethod? = nil) {
        self.database = database
        self.storage = storage
        self.trigger = trigger
        self.backupID = backupID
        self.method = method
    }

    package init(legacy parameters: [String: String], operation: OperationRecord) throws {
        self.init(
            database: try Self.require("database", in: parameters, of: operation, fallback: operation.database),
            storage: try Self.require("storage", in: parameters, of: operation),
            trigger: BackupTrigger(rawValue: parameters["trigger"] ?? "") ?? .manual,
            backupID: try Self.require("backupId", in: parameters, of: operation, fallback: operation.backupID)
        )
    }

    var summary: String {
        "\(trigger == .manual ? "" : "\(trigger.rawValue) ")\(method == .physical ? "physical " : "")backup \(database) to \(storage ?? "its storage")"
    }
}

/// A logical backup of one database (SPEC §4.2): dump, chunk, store, manifest last.
///
/// The backup is listed as `running` from the start and becomes `completed` only after its
/// manifest, written last, is stored; any failure marks it `failed` with the error. Retention
/// for the database runs after it (SPEC §4.3).
package struct BackupJob: Job {
    package init() {}

    package static let kind = OperationKind.backup
    package static let steps = ["opening repository", "connecting", "loading index", "dumping", "writing manifest", "recording"]

    /// The database is registered (and not deprovisioned, except for its final backup), its
    /// engine is available, the storage resolves, no backup of it is queued or running, and a
    /// passphrase is at hand; a physical backup needs a managed instance that is running. The
    /// request gets its storage, method and a new backup id.
    /// - Throws: `database-not-registered`, `database-deprovisioned`, `engine-not-supported`,
    ///   `storage-not-found`, `storage-required`, `backup-in-progress`, `passphrase-missing`,
    ///   `not-managed`, `database-unreachable` (a stopped managed instance).
    package func preflight(_ request: BackupRequest, control: ControlPlane) async throws -> Preflighted<BackupRequest> {
        let name = request.database
        let database = try await control.catalog.requireDatabase(named: name)
        if database.deprovisionedAt != nil && request.trigger != .final {
            throw ControlError(.databaseDeprovisioned, "database \(name) is deprovisioned", hint: "Its backups stay listable with 'tidemark backup list --deprovisioned' and can be restored.")
        }
        let engine = try control.engine(database.engine)
        let plan = try await control.catalog.plan(database: name)
        let storage = try await control.storages.resolve(request.storage ?? plan?.storage)
        let method = request.method ?? plan?.method ?? .logical
        if method == .physical {
            try control.engines.requirePhysical(engine.kind, database: name, pitr: false)
            try await Self.checkPhysical(database, control: control)
        }
        if let active = try await control.catalog.activeOperation(kind: .backup, database: name) {
            throw ControlError(
                .backupInProgress,
                "a backup of \(name) is already queued or running (operation \(active.id))",
                hint: "Wait for it ('tidemark op show \(active.id)'), or cancel it with 'tidemark op cancel'."
            )
        }
        _ = try control.passphrase()
        let checked = BackupRequest(database: name, storage: storage.name, trigger: request.trigger, backupID: request.backupID ?? Identifier.make(), method: method)
        return Preflighted(checked, summary: checked.summary, database: name, backupID: checked.backupID)
    }

    /// A physical backup needs a managed instance whose server is running, or an external
    /// PostgreSQL server whose role may replicate.
    static func checkPhysical(_ database: DatabaseRecord, control: ControlPlane) async throws {
        guard let instance = database.managed else {
            try await control.walArchive.checkReplication(database)
            return
        }
        guard let manager = control.instances else {
            throw ControlError(.instancesUnavailable, "this Tidemark process cannot reach managed instances")
        }
        let status = await manager.status(of: instance)
        guard status == .running else {
            throw ControlError(
                .notManaged, "managed instance \(database.name) is \(status.rawValue); a physical backup needs it running",
                hint: status == .stopped ? "Start it with 'tidemark db start \(database.name)'." : "Its data directory \(instance.dataDirectory) is gone; restore it from a backup."
            )
        }
    }

    /// Dumps the database into the repository and records the backup.
    ///
    /// On a later attempt, a manifest already stored under the backup's id (the previous
    /// attempt died after writing it) is recorded instead of dumping again.
    package func perform(_ request: BackupRequest, run: OperationRun, control: ControlPlane) async throws -> BackupRecord {
        guard let storageName = request.storage, let backupID = request.backupID else {
            throw TidemarkError(code: "invalid-operation", message: "operation \(run.id) lacks the storage or backup id of its backup", category: .internal)
        }
        return try await control.performBackup(
            database: request.database, storage: storageName, trigger: request.trigger, backupID: backupID, method: request.method ?? .logical, run: run
        )
    }

    /// Retention, then the copy the plan asks for, queued as its own operation so a copy
    /// that fails is retried on its own and never holds up the next backup.
    package func afterCompletion(_ request: BackupRequest, control: ControlPlane) async {
        await control.plans.applyRetentionAfterBackup(database: request.database)
        guard let backupID = request.backupID, let plan = try? await control.catalog.plan(database: request.database),
            let target = plan.copyTo, target != request.storage
        else { return }
        do {
            _ = try await control.runner.enqueue(CopyJob(), CopyRequest(backupID: backupID, storage: target))
        } catch {
            control.logger.warning("the copy of backup \(backupID) to \(target) could not be queued: \(ErrorInfo(error).message)")
            await control.notify(Notice(
                .copyFailed, status: "failed", database: request.database, storage: target,
                message: "the copy of backup \(backupID) of \(request.database) to \(target) could not be queued: \(ErrorInfo(error).message)"
            ))
        }
    }
}

extension ControlPlane {
    /// The repository's layout for an engine's dump layout.
    /// - Throws: `internal-error` for a block size the chunker cannot cut (not a multiple of
    ///   512, or above 16 MiB).
    fileprivate static func streamLayout(_ layout: DumpLayout) throws -> (StreamLayout, Int?) {
        switch layout {
        case .contentDefined:
            return (.contentDefined, nil)
        case .fixedBlocks(let size):
            guard size > 0, size % 512 == 0, size <= 16 << 20 else {
                throw TidemarkError(code: "internal-error", message: "the engine asked for blocks of \(size) bytes, which are not a multiple of 512 up to 16 MiB", category: .internal)
            }
            return (.fixedBlocks, size)
        }
    }

    fileprivate func performBackup(
        database name: String, storage storageName: String, trigger: BackupTrigger, backupID: String, method: BackupMethod, run: OperationRun
    ) async throws -> BackupRecord {
        let database = try await catalog.requireDatabase(named: name)
        let storage = try await self.storage(named: storageName)
        let engine = try engine(database.engine)
        var backup = BackupRecord(
            id: backupID,
            database: name,
            storage: storage.name,
            status: .running,
            trigger: trigger,
            method: method,
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
            let origin = try await self.origin(of: database)
            if method == .physical {
                let manifest = try await physicalBackup(of: database, id: backupID, trigger: trigger, serverVersion: version, origin: origin, repository: repository, run: run)
                return try await record(manifest, into: backup, run: run)
            }
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
                let (layout, blockSize) = try Self.streamLayout(try await engine.dumpLayout(of: database.target))
                let written = try await repository.writeStream(
                    index: index,
                    layout: layout,
                    blockSize: blockSize,
                    progress: { read, stored in run.streamProgress(read: read, stored: stored) }
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
                for warning in summary.warnings { try await run.log(warning, level: .warning) }
                try await run.step("writing manifest")
                let manifest = BackupManifest(
                    id: backupID,
                    database: name,
                    engine: database.engine,
                    method: .logical,
                    trigger: trigger,
                    serverVersion: summary.serverVersion.isEmpty ? version : summary.serverVersion,
                    startedAt: snapshotAt,
                    finishedAt: now(),
                    logicalBytes: written.size,
                    storedBytes: written.storedBytes,
                    databases: summary.databases,
                    dumpObjects: summary.objects,
                    streams: [StreamReference(name: engine.streamName(for: database.connection), format: summary.format, size: written.size, chunks: written.chunks.map(\.hex))],
                    warnings: summary.warnings.isEmpty ? nil : summary.warnings,
                    origin: origin
                )
                try await repository.saveManifest(manifest)
                return manifest
            }
            return try await record(manifest, into: backup, run: run)
        } catch {
            let outcome = run.outcome(of: error)
            guard backup.settle(after: error, outcome: outcome, at: now()) else { throw error }
            if backup.status == .failed {
                metrics.backupFinished(
                    status: .failed, duration: now().timeIntervalSince(backup.startedAt),
                    bytesRead: run.record.progress.bytesRead, bytesStored: run.record.progress.bytesStored
                )
            }
            try? await catalog.updateBackup(backup)
            if outcome == .failed {
                await notify(Notice(
                    .backupFailed, status: "failed", database: name, storage: storage.name,
                    message: "backup \(backupID) of \(name) failed: \(ErrorInfo(error).message)", backup: backup
                ))
            }
            throw error
        }
    }

    /// What the manifest records about the database, its plan and policy (``BackupOrigin``).
    func origin(of database: DatabaseRecord) async throws -> BackupOrigin {
        let plan = try await catalog.plan(database: database.name)
        var policy: RetentionPolicy?
        if let plan { policy = try await catalog.policy(named: plan.policy) }
        return BackupOrigin(database: database, plan: plan, policy: policy)
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
        backup.method = manifest.method
        backup.physical = manifest.physical
        backup.warnings = manifest.warnings ?? []
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
}
