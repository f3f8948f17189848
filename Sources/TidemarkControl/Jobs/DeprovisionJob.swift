package import TidemarkCore

/// Which database to deprovision.
package struct DeprovisionRequest: JobRequest {
    package var database: String

    package init(database: String) { self.database = database }

    package init(legacy parameters: [String: String], operation: OperationRecord) throws {
        self.init(database: try Self.require("database", in: parameters, of: operation, fallback: operation.database))
    }
}

/// What deprovisioning did.
package struct DeprovisionResult: Sendable {
    package var database: DatabaseRecord
    /// The final backup, when the policy keeps finals.
    package var finalBackup: BackupRecord?
    package var operation: OperationRecord
}

/// Deprovisions a database (SPEC §2.1 `db deprovision`): a final backup when its plan's policy
/// keeps finals, then the database is marked deprovisioned and its schedule stops. Its backups
/// stay listable and restorable. An external server is not touched; a managed instance is
/// stopped and its data directory removed (after the final backup, which is physical when
/// its plan is). It drives a nested backup in its command, so it is never queued or retried.
package struct DeprovisionJob: Job {
    package static let kind = OperationKind.deprovision
    package static let steps = ["final backup", "marking deprovisioned", "removing instance"]
    package static let runsInBackground = false
    package static let retry = JobRetry.never

    /// Sees the final backup's progress.
    let observer: OperationObserver?

    /// - Throws: `database-not-registered`, `database-deprovisioned`.
    package func preflight(_ request: DeprovisionRequest, control: ControlPlane) async throws -> Preflighted<DeprovisionRequest> {
        let database = try await control.catalog.requireDatabase(named: request.database)
        if database.deprovisionedAt != nil {
            throw ControlError(.databaseDeprovisioned, "database \(request.database) is already deprovisioned")
        }
        return Preflighted(request, summary: "deprovision \(request.database)", database: request.database)
    }

    package func perform(_ request: DeprovisionRequest, run: OperationRun, control: ControlPlane) async throws -> DeprovisionResult {
        let name = request.database
        var database = try await control.catalog.requireDatabase(named: name)
        let plan = try await control.catalog.plan(database: name)
        let policy = try await control.catalog.requirePolicy(named: plan?.policy ?? RetentionPolicy.defaultName)
        var finalBackup: BackupRecord?
        if policy.keepsFinal {
            try await run.step("final backup")
            finalBackup = try await control.backups.create(database: name, storage: plan?.storage, trigger: .final, observer: observer)
            try await run.log("final backup \(finalBackup?.id ?? "") completed")
        } else {
            try await run.log("policy \(policy.name) keeps no final backups; none taken")
        }
        try await run.step("marking deprovisioned")
        let time = control.now()
        try await control.catalog.markDeprovisioned(database: name, at: time)
        database.deprovisionedAt = time
        var result = finalBackup.map { ["finalBackupId": $0.id] } ?? [:]
        if database.walStreaming?.active == true {
            try await run.step("dropping replication slot")
            try await control.walArchive.stopStreaming(&database)
            try await run.log("WAL streaming stopped; replication slot \(database.walStreaming?.slot ?? "") dropped")
        }
        if let instance = database.managed, let manager = control.instances {
            try await run.step("removing instance")
            try await manager.remove(instance)
            try await run.log("managed instance stopped; \(instance.dataDirectory) removed")
            result["removedDataDirectory"] = instance.dataDirectory
        }
        try await run.complete(result: result)
        return DeprovisionResult(database: database, finalBackup: finalBackup, operation: run.record)
    }
}
