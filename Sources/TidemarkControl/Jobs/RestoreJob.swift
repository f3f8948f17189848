import Foundation
import Logging
package import TidemarkCore
import TidemarkRepository

/// A restore request (SPEC §4.6).
package struct RestoreRequest: JobRequest {
    package var backupID: String
    /// Name of the NEW database; it must not exist.
    package var newName: String
    /// `schema.table` to restore only one table; a bare name means `public.name`.
    package var table: String?
    package var options: RestoreOptions
    /// Where the data is loaded before it gets its name; recorded by the run before the
    /// database is created, so whoever finds the operation dead knows what to drop.
    package var stagingDatabase: String?
    /// The managed instance a physical restore builds (the new one, or for one table a
    /// temporary one); recorded before any file is written, so whoever finds the operation
    /// dead knows there is one to remove.
    package var instance: ManagedInstance?
    /// Recover to this moment with archived WAL (physical backups of archiving instances).
    package var pointInTime: RestorePoint?

    package init(backupID: String, newName: String, table: String? = nil, options: RestoreOptions = RestoreOptions(), pointInTime: RestorePoint? = nil) {
        self.backupID = backupID
        self.newName = newName
        self.table = table
        self.options = options
        self.pointInTime = pointInTime
    }

    package init(legacy parameters: [String: String], operation: OperationRecord) throws {
        self.init(
            backupID: try Self.require("backupId", in: parameters, of: operation),
            newName: try Self.require("newName", in: parameters, of: operation),
            table: parameters["table"],
            options: RestoreOptions(
                skipMissingForeignKeys: parameters["skipMissingForeignKeys"] == "true",
                skipMissingSequences: parameters["skipMissingSequences"] == "true",
                skipMissingViews: parameters["skipMissingViews"] == "true"
            )
        )
        stagingDatabase = parameters["stagingDatabase"]
    }

    var summary: String { "restore \(table.map { "table \($0) of " } ?? "")backup \(backupID)\(pointInTime.map { " at \($0)" } ?? "") to \(newName)" }
}

/// What a restore created.
package struct RestoreResult: Sendable {
    package var operation: OperationRecord
    package var database: String
    /// Connection URL of the new database (password not included).
    package var url: String
    package var skipped: [String]
    /// A new managed instance's URL with its generated password: shown to whoever ran the
    /// restore, never stored in the operation (the catalog keeps the password sealed).
    package var urlWithPassword: Secret<String>? = nil
}

/// Restores a completed backup into a new database on the source's server; the source is
/// never written to. Data goes into a staging database that is renamed to the chosen name
/// only when it is complete (`publishing`).
package struct RestoreJob: Job {
    package init() {}

    package static let kind = OperationKind.restore
    package static let steps = ["checking", "loading index", "restoring", "publishing"]

    /// The backup is completed, the name is valid and free on the source's server, the table
    /// name parses, and — for one table — the table is in the backup and its dependencies are
    /// satisfied (or skipped by the options).
    /// - Throws: `backup-not-found`, `backup-not-completed`, `invalid-name`, `invalid-table-name`,
    ///   `target-exists`, `table-not-found`, `missing-dependency`, the engine's connection errors.
    package func preflight(_ request: RestoreRequest, control: ControlPlane) async throws -> Preflighted<RestoreRequest> {
        let requested = try await control.catalog.requireBackup(id: request.backupID)
        let scope = try ControlPlane.scope(for: request.table, capabilities: try control.engines.capabilities(of: requested.engine))
        if requested.method == .physical {
            return try await physicalPreflight(request, scope: scope, control: control)
        }
        if request.pointInTime != nil {
            throw ControlError(.notManaged, "backup \(request.backupID) is a logical dump; only physical backups recover to a point in time", hint: "Restore it without --at.")
        }
        let (backup, source) = try await control.restores.checkDatabaseTarget(backupID: request.backupID, newName: request.newName)
        if case .table = scope {
            let repository = try await control.openRepository(try await control.storages.get(named: backup.storage))
            let manifest = try await repository.manifest(id: backup.id)
            _ = try control.engine(source.engine).planRestore(scope, objects: manifest.dumpObjects, options: request.options)
        }
        var checked = request
        checked.stagingDatabase = nil
        return Preflighted(checked, summary: request.summary, database: backup.database, backupID: backup.id)
    }

    package func perform(_ request: RestoreRequest, run: OperationRun, control: ControlPlane) async throws -> RestoreResult {
        try await control.measuredRestore(request, run: run)
    }

    /// Drops the staging database of a restore whose process died; when it died after
    /// publishing (the database has its name, only the record was not written), the restore
    /// is complete.
    /// - Returns: the result in that case; nil when the operation is to be failed or queued
    ///   again as usual (also when the server cannot be reached now: the next attempt drops
    ///   the staging database first).
    package func cleanUpAfterDeath(_ operation: OperationRecord, request: RestoreRequest, died: String, control: ControlPlane) async -> [String: String]? {
        if request.instance != nil {
            let result = await cleanUpInstanceAfterDeath(operation, request: request, died: died, control: control)
            // A one-table restore also leaves a staging database on the source's server.
            if request.table == nil { return result }
        }
        let time = control.now()
        func log(_ message: String, _ level: String = "warning") async {
            try? await control.catalog.appendLog(operationID: operation.id, line: OperationLogLine(time: time, level: level, message: message))
        }
        guard let name = operation.database, let source = try? await control.catalog.requireDatabase(named: name), let engine = try? control.engine(source.engine) else { return nil }
        let staging = request.stagingDatabase ?? engine.stagingName(for: request.newName, operationID: operation.id)
        do {
            let existed = try await engine.databaseExists(staging, on: source.target)
            // Dropped even when not there yet: the dead process's CREATE DATABASE may still be
            // running on the server (the engine ends it first).
            try await engine.dropDatabase(staging, on: source.target)
            // An engine that restores under the chosen name (MariaDB) keeps a published database:
            // it is still there, and the restore is complete if it got as far as publishing.
            let dropped = existed ? !(try await engine.databaseExists(staging, on: source.target)) : false
            if dropped {
                await log("\(died); dropped the half-restored database \(staging)")
                return nil
            }
            guard operation.step == "publishing", try await engine.databaseExists(request.newName, on: source.target) else { return nil }
            await log("\(died) after publishing \(request.newName); the restore is complete", "info")
            let url = DatabaseURL.render(source.connection.with(database: request.newName), engine: source.engine)
            return ["database": request.newName, "url": url]
        } catch {
            await log("\(died); could not clean up \(staging) now (\(ErrorInfo(error).message)); the next attempt drops it first")
            return nil
        }
    }
}

extension ControlPlane {
    /// `performRestore` with its duration and outcome counted for `/metrics`.
    fileprivate func measuredRestore(_ request: RestoreRequest, run: OperationRun) async throws -> RestoreResult {
        let started = now()
        do {
            let backup = try await catalog.requireBackup(id: request.backupID)
        let result: RestoreResult
        switch (backup.method, request.table) {
        case (.physical, nil): result = try await performInstanceRestore(request, run: run)
        case (.physical, .some): result = try await performPhysicalTableRestore(request, run: run)
        case (.logical, _): result = try await performRestore(request, run: run)
        }
            metrics.restoreFinished(succeeded: true, duration: now().timeIntervalSince(started))
            await notify(Notice(
                .restoreFinished, status: "completed", database: run.record.database,
                message: "restore of backup \(request.backupID) into \(request.newName) completed", operation: result.operation
            ))
            return result
        } catch {
            if case .failed = run.outcome(of: error) {
                metrics.restoreFinished(succeeded: false, duration: now().timeIntervalSince(started))
                var operation = run.record
                operation.status = .failed
                operation.lastError = ErrorInfo(error)
                await notify(Notice(
                    .restoreFinished, status: "failed", database: run.record.database,
                    message: "restore of backup \(request.backupID) into \(request.newName) failed: \(ErrorInfo(error).message)", operation: operation
                ))
            }
            throw error
        }
    }

    /// The work of a restore operation: the checks again (time has passed since the
    /// preflight), then the restore into a staging database that gets the chosen name only
    /// when it is complete.
    ///
    /// The staging name (`tidemark_restore_<operation id>`) is recorded before the database is
    /// created; the name the user chose never holds a half-restored database, and a retry finds
    /// it free. A staging database left by an earlier attempt is dropped first.
    private func performRestore(_ request: RestoreRequest, run: OperationRun) async throws -> RestoreResult {
        try await run.step("checking")
        let (backup, source) = try await restores.checkDatabaseTarget(backupID: request.backupID, newName: request.newName)
        let engine = try engine(source.engine)
        let scope = try Self.scope(for: request.table, capabilities: engine.capabilities)
        let storage = try await storage(named: backup.storage)
        let repository = try await openRepository(storage)
        let manifest = try await repository.manifest(id: backup.id)
        let plan = try engine.planRestore(scope, objects: manifest.dumpObjects, options: request.options)
        guard let stream = manifest.streams.first else {
            throw ControlError(.backupNotRestorable, "backup \(backup.id) has no data stream")
        }
        for item in plan.skipped {
            try await run.log("skipping \(item)", level: .warning)
        }
        if case .table = scope {
            try await run.log("restoring \(plan.objectIDs?.count ?? 0) of \(manifest.dumpObjects.count) dump objects")
        }
        run.progress {
            $0.bytesTotal = stream.size
            $0.tablesTotal = manifest.databases.reduce(0) { $0 + $1.tables.count }
        }
        let staging = engine.stagingName(for: request.newName, operationID: run.id)
        var recorded = request
        recorded.stagingDatabase = staging
        try await run.update(request: recorded)
        try await dropLeftoverStaging(staging, engine: engine, on: source, run: run)
        try await run.step("loading index")
        let index = try await repository.loadIndex()
        try await run.step("restoring")
        try await repository.withStreamReader(stream, index: index) { reader in
            try await engine.restore(plan, server: source.target, newDatabase: staging) { try await run.nextChunk(of: reader) }
        }
        try await publish(staging, as: request.newName, engine: engine, on: source, run: run)
        let url = DatabaseURL.render(source.connection.with(database: request.newName), engine: source.engine)
        try await run.log("restored into \(url)")
        try await run.complete(result: ["database": request.newName, "url": url])
        return RestoreResult(operation: run.record, database: request.newName, url: url, skipped: plan.skipped)
    }

    /// What `--table` asks for: everything, or one table (in the engine's default schema when
    /// none is given; engines without schemas take a bare name only).
    /// - Throws: `invalid-table-name`, also for an engine that cannot restore one table.
    static func scope(for table: String?, capabilities: EngineCapabilities) throws -> RestoreScope {
        guard let table else { return .everything }
        guard capabilities.tableRestore else {
            throw ControlError(.invalidTable, "backups of this engine restore as a whole, not one table", hint: "Restore without --table, then copy the table you need.")
        }
        let parts = table.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let defaultSchema = capabilities.defaultSchema else {
            // One database per backup: a table by its name, or as DATABASE.TABLE (how the
            // backup's table list shows it).
            switch parts.count {
            case 1 where !parts[0].isEmpty: return .table(schema: "", name: parts[0])
            case 2 where !parts[1].isEmpty: return .table(schema: parts[0], name: parts[1])
            default: throw ControlError(.invalidTable, "'\(table)' is not a table name", hint: "Give the table by its name, e.g. orders.")
            }
        }
        switch parts.count {
        case 1 where !parts[0].isEmpty: return .table(schema: defaultSchema, name: parts[0])
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty: return .table(schema: parts[0], name: parts[1])
        default:
            throw ControlError(.invalidTable, "'\(table)' is not a table name", hint: "Give the table as SCHEMA.TABLE, e.g. \(defaultSchema).orders.")
        }
    }
}
