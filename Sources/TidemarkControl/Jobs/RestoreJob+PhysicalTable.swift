import Foundation
import Logging
import TidemarkCore
import TidemarkRepository

/// One table from a physical backup (SPEC §4.6): the base backup is restored into a temporary
/// managed instance, the table's database is dumped from there (pg_dump, into a file beside the
/// temporary instance), the table and what it needs are restored from that dump into a new
/// database on the source's server exactly as from a logical backup, and the temporary instance
/// is removed, also when a step fails.
extension ControlPlane {
    /// The checks of a one-table restore from a physical backup that need no temporary
    /// instance: the backup is completed; its database is a managed instance that is running
    /// (the new database is made there); the table is in the backup; the name is free on that
    /// server. Foreign-key and sequence dependencies are checked once the temporary instance
    /// is up, before anything is written to the source's server.
    /// - Throws: `backup-not-found`, `backup-not-completed`, `invalid-name`, `target-exists`,
    ///   `database-not-registered`, `not-managed`, `table-not-found`.
    func checkPhysicalTableTarget(backupID: String, newName: String, schema: String, table: String) async throws -> BackupRecord {
        let (backup, source) = try await restores.checkDatabaseTarget(backupID: backupID, newName: newName)
        _ = try instanceService.parts()
        let databaseName = source.connection.database
        let tables = backup.databases.first { $0.name == databaseName }?.tables ?? []
        guard tables.contains(where: { $0.schema == schema && $0.name == table }) else {
            throw TidemarkError(
                code: "table-not-found", message: "table \(schema).\(table) is not in database \(databaseName) of backup \(backup.id)",
                hint: "'tidemark backup show \(backup.id)' lists its tables.", category: .notFound
            )
        }
        return backup
    }

    func performPhysicalTableRestore(_ request: RestoreRequest, run: OperationRun) async throws -> RestoreResult {
        try await run.step("checking")
        let (manager, root) = try instanceService.parts()
        let scope = try Self.scope(for: request.table, capabilities: try engines.capabilities(of: .postgres))
        guard case .table(let schema, let table) = scope else {
            throw TidemarkError(code: "internal-error", message: "a one-table restore without a table", category: .internal)
        }
        if let earlier = request.instance {
            try await manager.remove(earlier)
            try await run.log("removed the temporary instance of an earlier attempt", level: .warning)
        }
        let backup = try await checkPhysicalTableTarget(backupID: request.backupID, newName: request.newName, schema: schema, table: table)
        let source = try await catalog.requireDatabase(named: backup.database)
        let engine = try engine(source.engine)
        let repository = try await openRepository(try await storage(named: backup.storage))
        let manifest = try await repository.manifest(id: backup.id)
        let stream = try manifest.baseBackupStream()
        let staging = engine.stagingName(for: request.newName, operationID: run.id)
        try await dropLeftoverStaging(staging, engine: engine, on: source, run: run)
        let temporary = ManagedInstance(dataDirectory: "\(root)/.restore-\(run.id)/data", port: try await instanceService.choosePort(nil))
        var recorded = request
        recorded.instance = temporary
        recorded.stagingDatabase = staging
        try await run.update(request: recorded)
        let dumpFile = "\(root)/.restore-\(run.id)/table-source.pgdump"
        do {
            let password = Secret(Base64URL.random(count: 24))
            try await buildInstance(temporary, password: password, from: stream, of: repository, recovery: try await recoveryPlan(for: request), run: run)
            try await run.log("temporary instance up on port \(temporary.port); dumping \(source.connection.database) from it")
            let temporaryTarget = DatabaseTarget(
                connection: DatabaseConnection(host: "127.0.0.1", port: temporary.port, user: "postgres", database: source.connection.database),
                password: password
            )
            let summary = try await dump(temporaryTarget, with: engine, to: dumpFile)
            let plan = try engine.planRestore(scope, objects: summary.objects, options: request.options)
            for item in plan.skipped { try await run.log("skipping \(item)", level: .warning) }
            try await run.log("restoring \(plan.objectIDs?.count ?? 0) of \(summary.objects.count) dump objects into \(staging)")
            let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: dumpFile))
            defer { try? file.close() }
            try await engine.restore(plan, server: source.target, newDatabase: staging) {
                let data = try file.read(upToCount: 1 << 20) ?? Data()
                return data.isEmpty ? nil : [UInt8](data)
            }
            try await manager.remove(temporary)
            try await publish(staging, as: request.newName, engine: engine, on: source, run: run)
        } catch {
            try? await manager.remove(temporary)
            throw error
        }
        let url = DatabaseURL.render(source.connection.with(database: request.newName), engine: source.engine)
        try await run.log("restored table \(schema).\(table) into \(url)")
        try await run.complete(result: ["database": request.newName, "url": url])
        return RestoreResult(operation: run.record, database: request.newName, url: url, skipped: [])
    }

    /// Dumps `target` into `path` (pg_dump's custom format, uncompressed), returning its table of contents.
    private func dump(_ target: DatabaseTarget, with engine: any DatabaseEngine, to path: String) async throws -> DumpSummary {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw TidemarkError(code: "restore-failed", message: "cannot write \(path)", category: .toolFailed)
        }
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? file.close() }
        return try await engine.dump(target, into: { try file.write(contentsOf: $0) }, progress: { _, _ in })
    }
}
