import Foundation
import Logging
import TidemarkCore
import TidemarkRepository

/// Restores of physical backups (SPEC §4.6, §4.7): the base backup becomes a NEW managed
/// instance named after the target, with its own port, password and data directory; the
/// source instance is never touched.
extension RestoreJob {
    /// The backup is completed, the name is valid and neither a registered database nor an
    /// existing instance directory, the host is under its instance limit, and the backup
    /// holds the base backup stream.
    /// - Throws: `backup-not-found`, `backup-not-completed`, `invalid-name`, `target-exists`,
    ///   `instance-limit`; for one table those of ``ControlPlane/checkPhysicalTableTarget(backupID:newName:table:)``.
    func physicalPreflight(_ request: RestoreRequest, scope: RestoreScope, control: ControlPlane) async throws -> Preflighted<RestoreRequest> {
        var checked = request
        checked.stagingDatabase = nil
        checked.instance = nil
        if case .table(let schema, let name) = scope {
            let backup = try await control.checkPhysicalTableTarget(backupID: request.backupID, newName: request.newName, schema: schema, table: name)
            _ = try await control.recoveryPlan(for: request)
            return Preflighted(checked, summary: request.summary, database: backup.database, backupID: backup.id)
        }
        let backup = try await control.restores.checkInstanceTarget(backupID: request.backupID, newName: request.newName)
        _ = try await control.recoveryPlan(for: request)
        return Preflighted(
            checked, summary: "restore physical backup \(backup.id)\(request.pointInTime.map { " at \($0)" } ?? "") into new instance \(request.newName)",
            database: backup.database, backupID: backup.id
        )
    }

    /// Removes the half-built instance of a physical restore whose process died; when the
    /// instance was already registered, the restore is complete.
    func cleanUpInstanceAfterDeath(_ operation: OperationRecord, request: RestoreRequest, died: String, control: ControlPlane) async -> [String: String]? {
        let time = control.now()
        func log(_ message: String, _ level: String = "warning") async {
            try? await control.catalog.appendLog(operationID: operation.id, line: OperationLogLine(time: time, level: level, message: message))
        }
        guard let manager = control.instances, let instance = request.instance else { return nil }
        if let root = control.instanceRoot { try? FileManager.default.removeItem(atPath: "\(root)/.wal-spool-\(operation.id)") }
        if request.table == nil, let registered = try? await control.catalog.database(named: request.newName), registered.managed?.dataDirectory == instance.dataDirectory {
            await log("\(died) after registering instance \(request.newName); the restore is complete", "info")
            return ["database": request.newName, "url": DatabaseURL.render(registered.connection, engine: .postgres)]
        }
        let what = request.table == nil ? "the half-restored instance \(request.newName)" : "the temporary instance \(instance.dataDirectory)"
        do {
            try await manager.remove(instance)
            await log("\(died); removed \(what)")
        } catch {
            await log("\(died); could not remove \(what) now (\(ErrorInfo(error).message)); the next attempt removes it first")
        }
        return nil
    }
}

extension ControlPlane {
    /// Builds `instance` from base backup `stream` (steps `loading index` and `restoring`):
    /// its files written, `pg_verifybackup` run, configured and started with `password`.
    /// With `recovery`, the server replays archived WAL to the restore's moment before it opens.
    func buildInstance(
        _ instance: ManagedInstance, password: Secret<String>, from stream: StreamReference, of repository: Repository,
        recovery: (plan: RecoveryPlan, repository: Repository, point: RestorePoint)? = nil, run: OperationRun
    ) async throws {
        let (manager, _) = try instanceService.parts()
        run.progress { $0.bytesTotal = stream.size }
        try await run.step("loading index")
        let index = try await repository.loadIndex()
        try await run.step("restoring")
        // A base backup has thousands of small chunks (tar headers, small files) between its
        // 1 MiB blocks: fetch further ahead than for a dump, so decryption runs in parallel.
        try await withRecoverySpool(recovery, run: run) { target in
            try await repository.withStreamReader(stream, index: index, prefetch: 32) { reader in
                try await manager.restore(instance, password: password, recovery: target) { try await run.nextChunk(of: reader) }
            }
        }
    }

    /// The work of a physical restore: a new port, the instance built from the base backup
    /// stream (pg_verifybackup before its first start), then registered as a managed database
    /// with the same database names as the source.
    func performInstanceRestore(_ request: RestoreRequest, run: OperationRun) async throws -> RestoreResult {
        try await run.step("checking")
        let (manager, root) = try instanceService.parts()
        let source = try await catalog.requireBackup(id: request.backupID)
        let dataDirectory = "\(root)/\(request.newName)/data"
        // An earlier attempt of this operation that died left its half instance: remove it first.
        if let earlier = request.instance, try await catalog.database(named: request.newName) == nil {
            try await manager.remove(earlier)
            try await run.log("removed the half-restored instance \(request.newName) of an earlier attempt", level: .warning)
        }
        let backup = try await restores.checkInstanceTarget(backupID: request.backupID, newName: request.newName)
        let storage = try await storage(named: backup.storage)
        let repository = try await openRepository(storage)
        let manifest = try await repository.manifest(id: backup.id)
        let stream = try manifest.baseBackupStream()
        let port = try await instanceService.choosePort(nil)
        let instance = ManagedInstance(dataDirectory: dataDirectory, port: port)
        var recorded = request
        recorded.instance = instance
        try await run.update(request: recorded)
        let password = Secret(Base64URL.random(count: 24))
        let recovery = try await recoveryPlan(for: request)
        try await buildInstance(instance, password: password, from: stream, of: repository, recovery: recovery, run: run)
        try await run.log("files written, pg_verifybackup passed, \(recovery == nil ? "instance started" : "WAL replayed and the server promoted,") on port \(port)")
        try await run.step("publishing")
        // The source's database of the same name as the backup's database, else the first.
        let sourceDatabase = (try? await catalog.requireDatabase(named: source.database))?.connection.database
        let names = manifest.databases.map(\.name)
        let databaseName = sourceDatabase.flatMap { names.contains($0) ? $0 : nil } ?? names.first { $0 != "postgres" } ?? "postgres"
        let record: DatabaseRecord
        do {
            // A new WAL namespace: what the restored server archives never mixes with its source's.
            var restored = instance
            restored.walNamespace = Identifier.make()
            record = try await instanceService.register(name: request.newName, instance: restored, password: password, database: databaseName)
        } catch {
            try? await manager.remove(instance)
            throw error
        }
        let url = DatabaseURL.render(record.connection, engine: .postgres)
        try await run.log("restored into the new managed instance \(request.newName): \(url)")
        try await run.complete(result: ["database": request.newName, "url": url, "dataDirectory": dataDirectory])
        return RestoreResult(
            operation: run.record, database: request.newName, url: url, skipped: [],
            urlWithPassword: Secret(DatabaseURL.render(record.connection, engine: .postgres, password: password, revealPassword: true))
        )
    }
}
