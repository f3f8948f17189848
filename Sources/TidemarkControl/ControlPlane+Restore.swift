import Logging
import Foundation
package import TidemarkCore
import TidemarkRepository

/// A restore request (SPEC §4.6).
package struct RestoreRequest: Sendable {
    package var backupID: String
    /// Name of the NEW database; it must not exist.
    package var newName: String
    /// `schema.table` to restore only one table; a bare name means `public.name`.
    package var table: String?
    package var options: RestoreOptions

    package init(backupID: String, newName: String, table: String? = nil, options: RestoreOptions = RestoreOptions()) {
        self.backupID = backupID
        self.newName = newName
        self.table = table
        self.options = options
    }

    /// Reads the request back from a queued operation.
    init(_ operation: OperationRecord) throws {
        let parameters = operation.parameters
        guard let backupID = parameters["backupId"], let newName = parameters["newName"] else {
            throw TidemarkError(code: "invalid-operation", message: "operation \(operation.id) lacks the backup id or new name of its restore", category: .internal)
        }
        self.init(
            backupID: backupID,
            newName: newName,
            table: parameters["table"],
            options: RestoreOptions(
                skipMissingForeignKeys: parameters["skipMissingForeignKeys"] == "true",
                skipMissingSequences: parameters["skipMissingSequences"] == "true",
                skipMissingViews: parameters["skipMissingViews"] == "true"
            )
        )
    }

    var summary: String { "restore \(table.map { "table \($0) of " } ?? "")backup \(backupID) to \(newName)" }

    var parameters: [String: String] {
        var parameters = [
            "backupId": backupID, "newName": newName,
            "skipMissingForeignKeys": "\(options.skipMissingForeignKeys)",
            "skipMissingSequences": "\(options.skipMissingSequences)",
            "skipMissingViews": "\(options.skipMissingViews)",
        ]
        parameters["table"] = table
        return parameters
    }
}

/// What a restore created.
package struct RestoreResult: Sendable {
    package var operation: OperationRecord
    package var database: String
    /// Connection URL of the new database (password not included).
    package var url: String
    package var skipped: [String]
}

extension ControlPlane {
    /// Restores a completed backup into a new database on the source's server.
    ///
    /// Every check that can fail without touching anything runs first: the backup is
    /// completed, the name is valid and free on the server, the manifest is readable and the
    /// table (and its foreign keys) can be restored. The source database is never written to.
    /// - Throws: `backup-not-found`, `backup-not-completed`, `invalid-name`, `target-exists`,
    ///   `table-not-found`, `missing-dependency`, then engine and repository errors.
    package func restore(_ request: RestoreRequest, observer: OperationObserver? = nil) async throws -> RestoreResult {
        let backup = try await completedBackup(id: request.backupID)
        try NameRule.validate(request.newName, what: "restore target")
        _ = try Self.scope(for: request.table)
        let run = try await OperationRun(
            starting: .restore,
            summary: request.summary,
            database: backup.database,
            backupID: backup.id,
            parameters: request.parameters,
            control: self,
            observer: observer
        )
        return try await run.execute { try await measuredRestore(request, run: run) }
    }

    /// `performRestore` with its duration and outcome counted for `/metrics`.
    func measuredRestore(_ request: RestoreRequest, run: OperationRun) async throws -> RestoreResult {
        let started = now()
        do {
            let result = try await performRestore(request, run: run)
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

    /// The work of a restore operation: the checks that touch nothing, then the restore into a
    /// staging database that gets the chosen name only when it is complete.
    ///
    /// The staging name (`tidemark_restore_<operation id>`) is recorded before the database is
    /// created, so whoever finds the operation dead (serve, the next command) knows what to
    /// drop; the name the user chose never holds a half-restored database, and a retry finds
    /// it free. A staging database left by an earlier attempt is dropped first.
    func performRestore(_ request: RestoreRequest, run: OperationRun) async throws -> RestoreResult {
        try await run.step("checking")
        let (backup, source) = try await checkRestoreTarget(backupID: request.backupID, newName: request.newName)
        let scope = try Self.scope(for: request.table)
        let engine = try engine(source.engine)
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
        let staging = Self.stagingDatabase(for: run.id)
        try await run.remember(Self.stagingParameter, staging)
        if try await engine.databaseExists(staging, on: source.target) {
            try await engine.dropDatabase(staging, on: source.target)
            try await run.log("dropped \(staging), left half-restored by an earlier attempt", level: .warning)
        }
        try await run.step("loading index")
        let index = try await repository.loadIndex()
        try await run.step("restoring")
        try await repository.withStreamReader(stream, index: index) { reader in
            try await engine.restore(plan, server: source.target, newDatabase: staging) {
                let chunk = try await reader.nextChunk()
                run.progress { $0.bytesRead = reader.bytesRead }
                try await run.saveProgressIfDue()
                return chunk
            }
        }
        try await run.step("publishing")
        do {
            try await engine.renameDatabase(staging, to: request.newName, on: source.target)
        } catch {
            try? await engine.dropDatabase(staging, on: source.target)
            if try await engine.databaseExists(request.newName, on: source.target) {
                throw ControlError(
                    .targetExists, "database \(request.newName) was created on \(source.connection.host):\(source.connection.port) while the restore ran",
                    hint: "Restores always create a new database; retry with a name that is not in use."
                )
            }
            throw error
        }
        let url = DatabaseURL.render(source.connection.with(database: request.newName), engine: source.engine)
        try await run.log("restored into \(url)")
        try await run.complete(result: ["database": request.newName, "url": url])
        return RestoreResult(operation: run.record, database: request.newName, url: url, skipped: plan.skipped)
    }

    /// The operation parameter that records a restore's staging database before it exists.
    static let stagingParameter = "stagingDatabase"

    /// Where restore operation `id` loads data before it is published under its name.
    static func stagingDatabase(for id: String) -> String { "tidemark_restore_\(id)" }

    /// Cleans up after a restore whose process died: drops its staging database; when it died
    /// after publishing (the database has its name, only the record was not written), records
    /// the operation as completed instead.
    /// - Returns: the completed record in that case; nil when the operation is to be failed
    ///   or queued again as usual (also when the server cannot be reached now: the next
    ///   attempt drops the staging database first).
    func cleanUpAbandonedRestore(_ operation: OperationRecord, died: String) async -> OperationRecord? {
        let time = now()
        func log(_ message: String, _ level: String = "warning") async {
            try? await catalog.appendLog(operationID: operation.id, line: OperationLogLine(time: time, level: level, message: message))
        }
        guard let name = operation.database, let source = try? await database(named: name), let engine = try? engine(source.engine) else { return nil }
        let staging = operation.parameters[Self.stagingParameter] ?? Self.stagingDatabase(for: operation.id)
        do {
            if try await engine.databaseExists(staging, on: source.target) {
                try await engine.dropDatabase(staging, on: source.target)
                await log("\(died); dropped the half-restored database \(staging)")
                return nil
            }
            guard operation.step == "publishing", let newName = operation.parameters["newName"],
                try await engine.databaseExists(newName, on: source.target)
            else { return nil }
            var completed = operation
            let url = DatabaseURL.render(source.connection.with(database: newName), engine: source.engine)
            completed.recordAttempt(outcome: "completed", startedAt: nil, at: time)
            completed.status = .completed
            completed.finishedAt = time
            completed.lastError = nil
            completed.isRetryable = false
            completed.step = "done"
            completed.result = ["database": newName, "url": url]
            try await catalog.updateOperation(completed)
            await log("\(died) after publishing \(newName); the restore is complete", "info")
            logger.warning("reconciled restore \(operation.id): it had finished; now completed")
            return completed
        } catch {
            await log("\(died); could not clean up \(staging) now (\(ErrorInfo(error).message)); the next attempt drops it first")
            return nil
        }
    }

    static func scope(for table: String?) throws -> RestoreScope {
        guard let table else { return .everything }
        let parts = table.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1 where !parts[0].isEmpty: return .table(schema: "public", name: parts[0])
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty: return .table(schema: parts[0], name: parts[1])
        default:
            throw ControlError(.invalidTable, "'\(table)' is not a table name", hint: "Give the table as SCHEMA.TABLE, e.g. public.orders.")
        }
    }
}
