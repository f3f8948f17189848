import Foundation
package import TidemarkCore

/// How one database's backups stand right now: what the overview pages show at a glance.
package struct DatabaseHealth: Sendable {
    package var database: DatabaseRecord
    package var plan: PlanRecord?
    package var backups: BackupOverview
    /// The active plan has had no successful backup for two scheduled runs plus a grace.
    package var isOverdue: Bool

    /// The last attempt failed (its error is on `backups.latest`).
    package var lastAttemptFailed: Bool { backups.latest?.status == .failed }

    /// Something a person should look at: the last backup failed, or backups are overdue.
    package var needsAttention: Bool { database.deprovisionedAt == nil && (lastAttemptFailed || isOverdue) }
}

extension DatabaseService {
    /// Every database with its plan, last attempt, last success, failure count and whether it
    /// is overdue — in a few catalog statements, whatever the number of databases.
    package func health() async throws -> [DatabaseHealth] {
        let planByDatabase = Dictionary(try await catalog.plans().map { ($0.database, $0) }, uniquingKeysWith: { first, _ in first })
        let overview = try await catalog.backupOverview()
        let time = now()
        return try await catalog.databases().map { database in
            let plan = planByDatabase[database.name]
            let backups = overview[database.name] ?? BackupOverview()
            let lastSuccess = backups.latestCompleted.map { $0.finishedAt ?? $0.startedAt }
            let overdue = database.deprovisionedAt == nil && plan.map { OverdueRule.isOverdue($0, lastSuccess: lastSuccess, now: time) } == true
            return DatabaseHealth(database: database, plan: plan, backups: backups, isOverdue: overdue)
        }
    }

    /// The health of database `name`.
    /// - Throws: `database-not-registered`.
    package func health(named name: String) async throws -> DatabaseHealth {
        _ = try await catalog.requireDatabase(named: name)
        guard let health = try await health().first(where: { $0.database.name == name }) else {
            throw ControlError(.databaseNotFound, "database \(name) is not registered")
        }
        return health
    }
}
