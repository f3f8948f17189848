package import TidemarkCore

/// What deprovisioning did.
package struct DeprovisionResult: Sendable {
    package var database: DatabaseRecord
    /// The final backup, when the policy keeps finals.
    package var finalBackup: BackupRecord?
    package var operation: OperationRecord
}

extension ControlPlane {
    /// Deprovisions `name` (SPEC §2.1 `db deprovision`): takes a final backup when its plan's
    /// policy keeps finals, then marks the database deprovisioned and stops its schedule.
    /// Its backups stay listable (`backup list --deprovisioned`) and restorable. The server
    /// itself is not touched: Tidemark only stops managing the database.
    /// - Throws: `database-not-registered`, `database-deprovisioned`; when the final backup
    ///   fails, its error, and nothing is changed.
    package func deprovisionDatabase(named name: String, observer: OperationObserver? = nil) async throws -> DeprovisionResult {
        var database = try await database(named: name)
        if database.deprovisionedAt != nil {
            throw ControlError(.databaseDeprovisioned, "database \(name) is already deprovisioned")
        }
        let plan = try await catalog.plan(database: name)
        let policy = try await self.policy(named: plan?.policy ?? RetentionPolicy.defaultName)
        let run = try await OperationRun(starting: .deprovision, summary: "deprovision \(name)", database: name, control: self, observer: nil)
        return try await run.execute {
            var finalBackup: BackupRecord?
            if policy.keepsFinal {
                try await run.step("final backup")
                finalBackup = try await createBackup(database: name, storage: plan?.storage, trigger: .final, observer: observer)
                try await run.log("final backup \(finalBackup?.id ?? "") completed")
            } else {
                try await run.log("policy \(policy.name) keeps no final backups; none taken")
            }
            try await run.step("marking deprovisioned")
            let time = now()
            try await catalog.markDeprovisioned(database: name, at: time)
            database.deprovisionedAt = time
            try await run.complete(result: finalBackup.map { ["finalBackupId": $0.id] } ?? [:])
            return DeprovisionResult(database: database, finalBackup: finalBackup, operation: run.record)
        }
    }
}
