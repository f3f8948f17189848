import Foundation
package import TidemarkCore

/// Databases (SPEC §4.1): registration, changes, health, deprovisioning.
///
/// Its work still lives in `ControlPlane` extensions (ControlPlane+Databases, +Health,
/// DeprovisionJob), which this service holds privately: callers outside Control see only this.
package struct DatabaseService: Sendable {
    private let control: ControlPlane

    init(control: ControlPlane) { self.control = control }

    /// Registers a database from its URL (see ``ControlPlane`` `addDatabase`).
    package func add(name: String, engine: EngineKind, url: String, plan: PlanChange? = PlanChange()) async throws -> (DatabaseRecord, serverVersion: String, plan: PlanRecord?) {
        try await control.addDatabase(name: name, engine: engine, url: url, plan: plan)
    }

    /// Registers a database from a parsed connection (`tidemark apply`).
    package func add(
        name: String, engine: EngineKind, connection: DatabaseConnection, password: Secret<String>?, plan: PlanChange? = PlanChange()
    ) async throws -> (DatabaseRecord, serverVersion: String, plan: PlanRecord?) {
        try await control.addDatabase(name: name, engine: engine, connection: connection, password: password, plan: plan)
    }

    /// Changes how a database is reached.
    package func update(name: String, engine: EngineKind, connection: DatabaseConnection, password: Secret<String>?) async throws -> DatabaseRecord {
        try await control.updateDatabase(name: name, engine: engine, connection: connection, password: password)
    }

    /// Every registered database.
    package func list() async throws -> [DatabaseRecord] { try await control.allDatabases() }

    /// The database `name`. - Throws: `database-not-registered`.
    package func get(named name: String) async throws -> DatabaseRecord { try await control.catalog.requireDatabase(named: name) }

    /// Every database with its plan, last attempt, last success and whether it is overdue.
    package func health() async throws -> [DatabaseHealth] { try await control.databaseHealth() }

    /// The health of database `name`.
    package func health(named name: String) async throws -> DatabaseHealth { try await control.databaseHealth(named: name) }

    /// Deprovisions `name` (a final backup when its policy keeps finals).
    package func deprovision(named name: String, observer: OperationObserver? = nil) async throws -> DeprovisionResult {
        try await control.deprovisionDatabase(named: name, observer: observer)
    }
}

extension ControlPlane {
    /// Databases: registration, changes, health, deprovisioning.
    package var databases: DatabaseService { DatabaseService(control: self) }
}
