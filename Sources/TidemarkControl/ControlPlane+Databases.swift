import Foundation
import TidemarkCore

extension ControlPlane {
    /// Registers an external database after checking that it answers with these credentials,
    /// and gives it a backup plan (SPEC §1).
    ///
    /// - Parameter plan: the plan to create (nil fields: `@daily`, policy `default`, the only
    ///   storage); nil for none. With no storage registered and none named, no plan is made.
    /// - Throws: `invalid-name`, `invalid-url`, `name-conflict`, `invalid-cron`,
    ///   `storage-not-found`, `storage-required`, `policy-not-found`, and the engine's
    ///   `database-unreachable` / `authentication-failed` / `database-not-found`. Nothing is
    ///   saved when a check fails.
    func addDatabase(name: String, engine kind: EngineKind, url: String, plan: PlanChange? = PlanChange()) async throws -> (DatabaseRecord, serverVersion: String, plan: PlanRecord?) {
        try NameRule.validate(name, what: "database")
        let parsed = try DatabaseURL(parsing: url, engine: kind)
        return try await addDatabase(name: name, engine: kind, connection: parsed.connection, password: parsed.password, plan: plan)
    }

    /// `addDatabase(name:engine:url:plan:)` with the URL already parsed (`tidemark apply` reads the
    /// password from an environment variable, never from the URL).
    func addDatabase(
        name: String, engine kind: EngineKind, connection: DatabaseConnection, password: Secret<String>?, plan: PlanChange? = PlanChange()
    ) async throws -> (DatabaseRecord, serverVersion: String, plan: PlanRecord?) {
        try NameRule.validate(name, what: "database")
        // Checked before the server is contacted, so a taken name fails fast and offline.
        try await catalog.requireDatabaseNameFree(name)
        let plan = try await checkedPlan(plan)
        let version = try await engine(kind).serverVersion(of: DatabaseTarget(connection: connection, password: password))
        let record = DatabaseRecord(name: name, engine: kind, connection: connection, password: password, createdAt: now())
        // A physical plan is checked against the server before the database is saved.
        if plan?.method == .physical || plan?.pitr == true { try await walArchive.checkReplication(record) }
        try await catalog.insertDatabase(record)
        var created: PlanRecord?
        if let plan { created = try await setPlan(database: name, plan) }
        // The plan may have set up WAL streaming on the record.
        return (try await catalog.database(named: name) ?? record, version, created)
    }

    /// The plan to create with a new database, every setting checked before anything is saved;
    /// nil when none is wanted, or when no storage is registered and none named.
    func checkedPlan(_ plan: PlanChange?) async throws -> PlanChange? {
        guard let change = plan else { return nil }
        // A plan asked for by its method or archiving is wanted even without a storage yet.
        if change.storage == nil, change.method == nil, change.pitr == nil, try await catalog.storages().isEmpty { return nil }
        _ = try await resolveStorage(change.storage)
        if let schedule = change.schedule { _ = try CronExpression(parsing: schedule) }
        _ = try await catalog.requirePolicy(named: change.policy ?? RetentionPolicy.defaultName)
        return change
    }

    /// Points a registered database at another connection or password, after checking that the
    /// server answers with them. Its backups and plan stay.
    /// - Throws: `database-not-registered`, `database-deprovisioned`, the engine's connection errors.
    func updateDatabase(name: String, engine kind: EngineKind, connection: DatabaseConnection, password: Secret<String>?) async throws -> DatabaseRecord {
        var record = try await catalog.requireDatabase(named: name)
        if record.deprovisionedAt != nil {
            throw ControlError(.databaseDeprovisioned, "database \(name) is deprovisioned and cannot be changed")
        }
        _ = try await engine(kind).serverVersion(of: DatabaseTarget(connection: connection, password: password))
        record.engine = kind
        record.connection = connection
        record.password = password
        try await catalog.updateDatabase(record)
        return record
    }

    /// Every registered database.
    func allDatabases() async throws -> [DatabaseRecord] {
        try await catalog.databases()
    }
}

extension DatabaseRecord {
    /// The connection target, with the password.
    var target: DatabaseTarget { DatabaseTarget(connection: connection, password: password) }
}
