import Foundation
package import TidemarkCore

/// Databases (SPEC §4.1): registration, changes, health, deprovisioning. It sees the catalog,
/// the engines (to check that a server answers), the clock, the plans and WAL archiving it
/// sets up for a new database, and the runner that deprovisions through ``DeprovisionJob``.
package struct DatabaseService: Sendable {
    let catalog: any Catalog
    let engines: Engines
    let now: @Sendable () -> Date
    let plans: PlanService
    let walArchive: WALArchiveService
    let runner: OperationRunner
}

extension DatabaseService {
    /// Registers an external database after checking that it answers with these credentials,
    /// and gives it a backup plan (SPEC §1).
    ///
    /// - Parameter plan: the plan to create (nil fields: `@daily`, policy `default`, the only
    ///   storage); nil for none. With no storage registered and none named, no plan is made.
    /// - Throws: `invalid-name`, `invalid-url`, `name-conflict`, `invalid-cron`,
    ///   `storage-not-found`, `storage-required`, `policy-not-found`, and the engine's
    ///   `database-unreachable` / `authentication-failed` / `database-not-found`. Nothing is
    ///   saved when a check fails.
    /// - Parameter password: used when the URL holds none (`TIDEMARK_DB_PASSWORD`, a prompt).
    package func add(
        name: String, engine kind: EngineKind, url: String, password: Secret<String>? = nil, plan: PlanChange? = PlanChange()
    ) async throws -> (DatabaseRecord, serverVersion: String, plan: PlanRecord?) {
        try NameRule.validate(name, what: "database")
        let parsed = try DatabaseURL(parsing: url, engine: kind)
        let secret = parsed.connection.isFile ? nil : (parsed.password ?? password)
        return try await add(name: name, engine: kind, connection: parsed.connection, password: secret, plan: plan)
    }

    /// ``add(name:engine:url:plan:)`` with the URL already parsed (`tidemark apply` reads the
    /// password from an environment variable, never from the URL).
    package func add(
        name: String, engine kind: EngineKind, connection: DatabaseConnection, password: Secret<String>?, plan: PlanChange? = PlanChange()
    ) async throws -> (DatabaseRecord, serverVersion: String, plan: PlanRecord?) {
        try NameRule.validate(name, what: "database")
        // Checked before the server is contacted, so a taken name fails fast and offline.
        try await catalog.requireDatabaseNameFree(name)
        let plan = try await plans.checked(plan)
        let version = try await engines.engine(kind).serverVersion(of: DatabaseTarget(connection: connection, password: password))
        let record = DatabaseRecord(name: name, engine: kind, connection: connection, password: password, createdAt: now())
        // A physical plan is checked against the server before the database is saved.
        if plan?.method == .physical || plan?.pitr == true {
            try engines.requirePhysical(kind, database: name, pitr: plan?.pitr == true)
            try await walArchive.checkReplication(record)
        }
        try await catalog.insertDatabase(record)
        var created: PlanRecord?
        if let plan { created = try await plans.set(database: name, plan) }
        // The plan may have set up WAL streaming on the record.
        return (try await catalog.database(named: name) ?? record, version, created)
    }

    /// Points a registered database at another connection or password, after checking that the
    /// server answers with them. Its backups and plan stay.
    /// - Throws: `database-not-registered`, `database-deprovisioned`, the engine's connection errors.
    package func update(name: String, engine kind: EngineKind, connection: DatabaseConnection, password: Secret<String>?) async throws -> DatabaseRecord {
        var record = try await catalog.requireDatabase(named: name)
        if record.deprovisionedAt != nil {
            throw ControlError(.databaseDeprovisioned, "database \(name) is deprovisioned and cannot be changed")
        }
        _ = try await engines.engine(kind).serverVersion(of: DatabaseTarget(connection: connection, password: password))
        record.engine = kind
        record.connection = connection
        record.password = password
        try await catalog.updateDatabase(record)
        return record
    }

    /// What the engine of `kind` can do (the dashboard's forms, `db create`'s check).
    /// - Throws: `engine-not-supported`.
    package func capabilities(of kind: EngineKind) throws -> EngineCapabilities { try engines.capabilities(of: kind) }

    /// Every registered database.
    package func list() async throws -> [DatabaseRecord] { try await catalog.databases() }

    /// The database `name`. - Throws: `database-not-registered`.
    package func get(named name: String) async throws -> DatabaseRecord { try await catalog.requireDatabase(named: name) }

    /// Deprovisions `name` now (``DeprovisionJob``): a final backup when its policy keeps finals.
    /// - Throws: `database-not-registered`, `database-deprovisioned`; when the final backup
    ///   fails, its error, and nothing is changed.
    package func deprovision(named name: String, observer: OperationObserver? = nil) async throws -> DeprovisionResult {
        try await runner.run(DeprovisionJob(observer: observer), DeprovisionRequest(database: name))
    }
}

extension ControlPlane {
    /// Databases: registration, changes, health, deprovisioning.
    package var databases: DatabaseService {
        DatabaseService(catalog: catalog, engines: engines, now: now, plans: plans, walArchive: walArchive, runner: runner)
    }
}
