package import Foundation
import Logging
package import TidemarkCore
import TidemarkRepository

/// Continuous WAL archiving and the recovery window (SPEC §4.8).
///
/// PostgreSQL runs `tidemark wal-push %p` as its `archive_command`; that thin client holds no
/// passphrase and hands the file to `serve` over a Unix socket, which calls ``push(namespace:name:contents:writtenAt:)``
/// here. Each managed instance archives into its own namespace (`ManagedInstance.walNamespace`).
package struct WALArchiveService: Sendable {
    let catalog: any Catalog
    let engines: Engines
    let storages: StorageService
    /// Uploads started ahead of PostgreSQL's pushes, and the repositories they opened.
    let uploads: WALUploadsAhead
    /// Runs managed instances (their archiving settings); nil where there are none.
    let instanceManager: (any InstanceManager)?
    /// Streams WAL of external servers; nil where there is none.
    let replication: (any ReplicationClient)?
    /// The binary and socket PostgreSQL's archive command uses.
    let configuration: ControlPlane.Configuration
    let now: @Sendable () -> Date
    let logger: Logger
    let metrics: ControlMetrics
    /// Sends `wal.conflict`, `wal.archiving.failed` / `.recovered` and `wal.gap`.
    let webhooks: WebhookService

    /// Stores one WAL file pushed by `wal-push`, once.
    /// - Throws: `wal-namespace-unknown` when no archiving database has that namespace,
    ///   `wal-conflict` when the archive holds the name with other contents (a `wal-conflict`
    ///   notice is sent), storage and repository errors.
    /// - Parameter replacing: a newer partial snapshot of the segment an external server is
    ///   writing, which replaces the older ones (``Repository/pushWAL(namespace:name:contents:writtenAt:replacing:tag:)``).
    package func push(namespace: String, name: String, contents: [UInt8], writtenAt: Date, replacing: Bool = false) async throws -> WALPushOutcome {
        let (database, repository) = try await archive(namespace: namespace)
        do {
            let tag = repository.walTag(of: contents)
            let outcome: WALPushOutcome
            if await uploads.storedTag(namespace: namespace, name: name) == tag {
                outcome = .alreadyStored
            } else {
                outcome = try await repository.pushWAL(namespace: namespace, name: name, contents: contents, writtenAt: writtenAt, replacing: replacing, tag: tag)
                // A complete segment makes the partial snapshots of it obsolete.
                if database.managed == nil, name.count == 24 { try await repository.deletePartialWAL(namespace: namespace, segment: name) }
                uploads.remember(namespace: namespace, name: name, tag: tag)
            }
            if let data = database.managed?.dataDirectory {
                uploads.uploadAhead(namespace: namespace, dataDirectory: data, after: name, repository: repository)
            }
            metrics.walPushed(bytes: contents.count)
            return outcome
        } catch let error as RepositoryError where error.kind == .walConflict {
            metrics.walPushFailed()
            uploads.forgetRepositories()
            await webhooks.notify(Notice(.walConflict, status: "refused", database: database.name, message: "WAL file \(name): \(error.message)"))
            throw error
        } catch {
            metrics.walPushFailed()
            uploads.forgetRepositories()
            throw error
        }
    }

    /// Whether `serve` already stored WAL file `name` of `namespace` from the very file
    /// `identity` names (an upload ahead): `wal-push` then need not send it.
    package func isStoredAhead(namespace: String, name: String, identity: WALFileIdentity) async -> Bool {
        await keepUploadingAhead(namespace: namespace, after: name)
        return await uploads.isStoredAhead(namespace: namespace, name: name, identity: identity)
    }

    /// Starts the uploads of the files after `name` while `wal-push` asks about it. Started
    /// only by pushes that send a file, the uploads ran dry after every few pushes answered
    /// from them, and the next push stored its file alone while PostgreSQL waited.
    private func keepUploadingAhead(namespace: String, after name: String) async {
        guard let (database, repository) = try? await archive(namespace: namespace), let data = database.managed?.dataDirectory else { return }
        uploads.uploadAhead(namespace: namespace, dataDirectory: data, after: name, repository: repository)
    }

    /// The recovery window of `database`: empty when it does not archive and never did.
    package func window(database name: String) async throws -> [RecoveryRange] {
        guard let (window, _) = try await recoveryWindow(database: try await catalog.requireDatabase(named: name)) else { return [] }
        return window.ranges
    }

    /// The window with the repository it was read from, nil when the database has no archive.
    func recoveryWindow(database: DatabaseRecord) async throws -> (RecoveryWindow, Repository)? {
        guard let namespace = database.walNamespace, let plan = try await catalog.plan(database: database.name) else { return nil }
        let backups = try await catalog.backups(matching: BackupFilter(database: database.name, status: .completed))
        let physical = backups.compactMap { backup -> (BackupRecord, PhysicalBackupInfo)? in
            guard let info = backup.physical, info.walNamespace == namespace else { return nil }
            return (backup, info)
        }
        guard plan.pitr || !physical.isEmpty else { return nil }
        let segmentSize = physical.first?.1.walSegmentSize ?? 16 << 20
        let repository = try await storages.openRepository(try await storages.get(named: plan.storage))
        let archive = try await repository.listWAL(namespace: namespace, segmentSize: segmentSize)
        let bases = physical.compactMap { backup, info -> RecoveryBase? in
            let timeline = UInt32(clamping: info.timeline)
            guard let start = WALFileName(timeline: timeline, lsn: info.startLSN, segmentSize: info.walSegmentSize),
                  let stop = WALFileName(timeline: timeline, lsn: info.stopLSN, segmentSize: info.walSegmentSize)
            else { return nil }
            return RecoveryBase(backupID: backup.id, timeline: timeline, startSegment: start, stopSegment: stop, stoppedAt: info.stoppedAt)
        }
        return (RecoveryWindow(bases: bases, archive: archive, segmentSize: segmentSize), repository)
    }

    /// Deletes archived WAL that no kept base backup needs: segments before the start segment
    /// of the oldest completed physical backup of the namespace (earlier timelines included).
    /// History files stay, and nothing is deleted while the namespace has no base backup.
    func pruneWAL(database: DatabaseRecord) async throws -> (count: Int, bytes: Int64) {
        guard let (obsolete, repository) = try await obsoleteWAL(database: database, keeping: nil), !obsolete.isEmpty else { return (0, 0) }
        try await repository.deleteWAL(obsolete)
        return (obsolete.count, obsolete.reduce(0) { $0 + $1.size })
    }

    /// What ``pruneWAL(database:)`` would delete once only the backups in `kept` remain (nil:
    /// the completed backups as they are): a policy change's dry run shows it.
    func obsoleteWAL(database: DatabaseRecord, keeping kept: Set<String>?) async throws -> (files: [ArchivedWAL], repository: Repository)? {
        guard let (window, repository) = try await recoveryWindow(database: database), let namespace = database.walNamespace else { return nil }
        let bases = window.bases.filter { kept?.contains($0.backupID) ?? true }
        guard let oldest = bases.map(\.startSegment).min(), let first = oldest.segmentNumber else { return ([], repository) }
        let archive = try await repository.listWAL(namespace: namespace, segmentSize: window.segmentSize)
        let obsolete = archive.filter { file in
            guard let number = file.name.segmentNumber else { return false }
            return file.name.timeline < oldest.timeline || (file.name.timeline == oldest.timeline && number < first)
        }
        return (obsolete, repository)
    }

    /// Archived WAL a set of retention decisions would delete, per database (a dry run).
    func walDeletions(under items: [RetentionItem]) async throws -> [WALDeletion] {
        var result: [WALDeletion] = []
        for name in Set(items.map(\.backup.database)).sorted() {
            guard let database = try await catalog.database(named: name), database.walNamespace != nil else { continue }
            let kept = Set(items.filter { $0.backup.database == name && $0.decision.keeps }.map(\.backup.id))
            guard let (files, _) = try await obsoleteWAL(database: database, keeping: kept), !files.isEmpty else { continue }
            result.append(WALDeletion(database: name, files: files.count, bytes: files.reduce(0) { $0 + $1.size }))
        }
        return result
    }

    /// Makes the archiving of managed database `name` follow its plan: `wal-push` into the
    /// instance's namespace (given one when it has none) when the plan has `pitr`, `true`
    /// otherwise; the running server is reconfigured (a restart only when archive_mode was off).
    /// - Throws: `pitr-unavailable` in a process that cannot name its own binary.
    func applyArchiving(database name: String, pitr: Bool) async throws {
        var database = try await catalog.requireDatabase(named: name)
        guard var instance = database.managed, let manager = instanceManager else { return }
        if pitr {
            let executable = try configuration.requireWALExecutable()
            guard let socket = configuration.walSocket else {
                throw ControlError(.pitrUnavailable, "this Tidemark process has no WAL socket for wal-push to reach serve")
            }
            let namespace = instance.walNamespace ?? Identifier.make()
            instance.walNamespace = namespace
            instance.archiveCommand = "\(Self.shellQuoted(executable)) wal-push --socket \(Self.shellQuoted(socket)) --namespace \(namespace) %p"
        } else {
            instance.archiveCommand = nil
        }
        guard instance != database.managed else { return }
        database.managed = instance
        try await catalog.updateDatabase(database)
        if await manager.status(of: instance) != .missing {
            try await manager.reconfigure(instance)
        }
        logger.info("WAL archiving of \(name) \(pitr ? "on, namespace \(instance.walNamespace ?? "")" : "off")")
    }

    /// Commits a transaction on every running managed instance that archives, so that the
    /// archive always holds a commit later than any time in the window (`archive_timeout`
    /// then closes the segment): with both, the newest restorable time lags by at most about
    /// a minute (the RPO, docs/OPERATIONS.md).
    package func heartbeat() async {
        guard let manager = instanceManager, let databases = try? await catalog.databases() else { return }
        for database in databases where database.deprovisionedAt == nil {
            guard let instance = database.managed, instance.archiveCommand != nil, instance.desiredState == .running else { continue }
            do {
                try await manager.heartbeat(instance)
            } catch {
                logger.debug("heartbeat of \(database.name) failed: \(ErrorInfo(error).message)")
            }
        }
    }

    /// Reads every archiving instance's archiver into the metrics and sends
    /// `wal.archiving-failed` once a WAL file has waited `alertAfter` seconds while pushes fail,
    /// `wal.archiving-recovered` when it caught up. `alerted` holds the databases alerted.
    package func watchArchiving(alerted: inout Set<String>, alertAfter: TimeInterval) async {
        guard let manager = instanceManager, let databases = try? await catalog.databases() else { return }
        for database in databases where database.deprovisionedAt == nil {
            guard let instance = database.managed, instance.archiveCommand != nil, instance.desiredState == .running,
                  let status = try? await manager.archiverStatus(instance)
            else { continue }
            metrics.archiver(database: database.name, status)
            await archiveHistoryFiles(of: database, instance: instance)
            if status.isFailing && status.oldestWaitingSeconds >= alertAfter && !alerted.contains(database.name) {
                alerted.insert(database.name)
                let message = "WAL of \(database.name) is not being archived: \(status.waitingFiles) file(s) waiting, the oldest for \(Int(status.oldestWaitingSeconds)) s; pg_wal holds \(HumanFormat.bytes(status.walDirectoryBytes))"
                logger.warning("\(message)")
                await webhooks.notify(Notice(.walArchivingFailed, status: "failing", database: database.name, message: message))
            } else if alerted.contains(database.name) && !status.isFailing && status.waitingFiles <= 1 {
                alerted.remove(database.name)
                let message = "WAL archiving of \(database.name) caught up (last archived \(status.lastArchivedWAL ?? "-"))"
                logger.info("\(message)")
                await webhooks.notify(Notice(.walArchivingRecovered, status: "recovered", database: database.name, message: message))
            }
        }
    }

    /// Sends `wal.gap` once per hole in the archive of every database that archives (managed
    /// or streamed): a segment missing after a base backup while later segments were stored at
    /// least `settle` seconds ago. `reported` holds `<database>/<segment>` already sent.
    package func watchGaps(reported: inout Set<String>, settle: TimeInterval) async {
        guard let databases = try? await catalog.databases() else { return }
        for database in databases where database.deprovisionedAt == nil && database.archivesWAL {
            guard let (window, _) = try? await recoveryWindow(database: database) else { continue }
            for missing in window.gaps(settledBefore: now().addingTimeInterval(-settle)) {
                let key = "\(database.name)/\(missing)"
                guard reported.insert(key).inserted else { continue }
                let message = "the WAL archive of \(database.name) misses segment \(missing) while later ones are stored: moments in that hole cannot be restored"
                    + " (the recovery window is split; a new base backup starts an unbroken range)"
                logger.error("\(message)")
                await webhooks.notify(Notice(.walGap, status: "gap", database: database.name, message: message))
            }
        }
    }

    /// Stores the timeline history files in the instance's `pg_wal` that the archive lacks, once
    /// per namespace and process: an instance restored before its plan archived wrote its
    /// `.history` at promotion, when nothing took it, and PostgreSQL never offers it again.
    private func archiveHistoryFiles(of database: DatabaseRecord, instance: ManagedInstance) async {
        guard let namespace = instance.walNamespace, uploads.markHistoriesChecked(namespace: namespace) else { return }
        let directory = "\(instance.dataDirectory)/pg_wal"
        let histories = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.count == 16 && $0.hasSuffix(".history") }
        for name in histories.sorted() {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)") else { continue }
            let writtenAt = (try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")[.modificationDate] as? Date) ?? now()
            do {
                _ = try await push(namespace: namespace, name: name, contents: [UInt8](data), writtenAt: writtenAt)
            } catch {
                logger.warning("history file \(name) of \(database.name) is not archived yet: \(ErrorInfo(error).message)")
                uploads.clearHistoriesChecked(namespace: namespace)
            }
        }
    }

    /// The database archiving into `namespace` and the repository of its plan's storage,
    /// opened once per process.
    private func archive(namespace: String) async throws -> (DatabaseRecord, Repository) {
        let (database, plan) = try await archivingDatabase(namespace: namespace)
        let storage = try await storages.get(named: plan.storage)
        return (database, try await uploads.repository(for: storage) { try await storages.openRepository(storage) })
    }

    private func archivingDatabase(namespace: String) async throws -> (DatabaseRecord, PlanRecord) {
        for database in try await catalog.databases() where database.walNamespace == namespace {
            guard let plan = try await catalog.plan(database: database.name), plan.pitr else { break }
            return (database, plan)
        }
        throw ControlError(
            .archiveNotFound, "no database archives WAL into namespace \(namespace)",
            hint: "Turn archiving on with 'tidemark plan set DB --method physical --pitr'."
        )
    }

    /// `value` inside single quotes for /bin/sh (PostgreSQL runs the command through it).
    static func shellQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Archived WAL of one database that retention deletes (or would).
package struct WALDeletion: Sendable, Equatable {
    package var database: String
    package var files: Int
    /// Stored (compressed, encrypted) bytes.
    package var bytes: Int64
}

extension ControlPlane {
    /// WAL archiving and recovery windows.
    package var walArchive: WALArchiveService {
        WALArchiveService(
            catalog: catalog, engines: engines, storages: storages, uploads: walUploads, instanceManager: instances, replication: replication,
            configuration: configuration, now: now, logger: logger, metrics: metrics, webhooks: webhooks
        )
    }
}
