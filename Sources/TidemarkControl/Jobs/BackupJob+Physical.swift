import Foundation
import TidemarkCore
import TidemarkRepository

extension ControlPlane {
    /// A base backup of `database` (a managed instance, or an external server over its
    /// replication connection) into `repository` (``BackupJob``, method physical):
    /// `pg_basebackup`'s tar streamed through the tar-aware chunker (no local copy), then
    /// PostgreSQL's `backup_manifest` as a second stream, then the manifest, last.
    func physicalBackup(
        of database: DatabaseRecord, id backupID: String, trigger: BackupTrigger, serverVersion version: String,
        origin: BackupOrigin, repository: Repository, run: OperationRun
    ) async throws -> BackupManifest {
        let takeBaseBackup: @Sendable (_ sink: ([UInt8]) async throws -> Void, _ progress: (Int64, Int64) -> Void) async throws -> BaseBackupSummary
        if let instance = database.managed, let manager = instances {
            takeBaseBackup = { sink, progress in try await manager.baseBackup(of: instance, into: sink, progress: progress) }
        } else if database.managed == nil, let client = replication {
            let target = database.target
            takeBaseBackup = { sink, progress in try await client.baseBackup(of: target, into: sink, progress: progress) }
        } else {
            throw ControlError(.instancesUnavailable, "this Tidemark process cannot take physical backups of \(database.name)")
        }
        return try await repository.withLock(exclusive: false, purpose: "physical backup \(backupID) of \(database.name)") {
            try await run.step("loading index")
            let index = try await repository.loadIndex()
            try await run.log("index holds \(index.count) chunks in \(index.packs.count) packs")
            try await run.step("dumping")
            let snapshotAt = now()
            var summary: BaseBackupSummary?
            let written = try await repository.writeStream(
                index: index, layout: .tar,
                progress: { read, stored in run.streamProgress(read: read, stored: stored) }
            ) { writer in
                summary = try await takeBaseBackup(
                    { buffer in
                        try await writer.append(buffer)
                        try await run.saveProgressIfDue()
                    },
                    { _, total in run.progress { $0.bytesTotal = total } }
                )
            }
            guard let summary else {
                throw TidemarkError(code: "internal-error", message: "the base backup finished without a summary", category: .internal)
            }
            var physical = summary.physical
            // Only an instance that archives has WAL after the backup to recover with.
            if database.archivesWAL { physical.walNamespace = database.walNamespace }
            try await run.log(
                "base backup of \(physical.files) files, \(HumanFormat.bytes(written.size)) in \(written.chunks.count) chunks; \(written.newChunks) new, \(HumanFormat.bytes(written.storedBytes)) stored; WAL \(physical.startLSN)..\(physical.stopLSN) on timeline \(physical.timeline)"
            )
            let manifestStream = try await repository.writeStream(index: index) { writer in
                try await writer.append(summary.backupManifest)
            }
            try await run.step("writing manifest")
            let manifest = BackupManifest(
                id: backupID,
                database: database.name,
                engine: database.engine,
                method: .physical,
                trigger: trigger,
                serverVersion: summary.serverVersion.isEmpty ? version : summary.serverVersion,
                startedAt: snapshotAt,
                finishedAt: now(),
                logicalBytes: written.size,
                storedBytes: written.storedBytes + manifestStream.storedBytes,
                databases: summary.databases,
                dumpObjects: [],
                streams: [
                    StreamReference(name: "base.tar", format: BackupManifest.baseBackupFormat, size: written.size, chunks: written.chunks.map(\.hex)),
                    StreamReference(name: "backup_manifest", format: "postgres-backup-manifest", size: manifestStream.size, chunks: manifestStream.chunks.map(\.hex)),
                ],
                physical: physical,
                origin: origin
            )
            try await repository.saveManifest(manifest)
            return manifest
        }
    }
}
