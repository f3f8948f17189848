import Foundation
import Logging
package import TidemarkCore

/// A managed instance as `db create` made it: the record and its URL with the password, shown
/// once (the catalog keeps the password sealed).
package struct CreatedInstance: Sendable {
    package var database: DatabaseRecord
    /// `postgres://postgres:<password>@127.0.0.1:<port>/<name>`.
    package var url: Secret<String>
    package var plan: PlanRecord?
}

/// Managed PostgreSQL instances (SPEC §4.7): create, start, stop and their status. The
/// supervision loop of `serve` is ``InstanceSupervisor``.
///
/// It sees the catalog, the instance manager and where instances live (nil in a process
/// without them), the limit on instances, the clock, a logger and the plans it gives new
/// instances.
package struct InstanceService: Sendable {
    let catalog: any Catalog
    let instanceManager: (any InstanceManager)?
    let instanceRoot: String?
    let maxManagedInstances: Int
    let now: @Sendable () -> Date
    let logger: Logger
    let plans: PlanService

    /// The instance manager and where instances live.
    /// - Throws: `instances-unavailable` in a process built without them.
    func parts() throws -> (manager: any InstanceManager, root: String) {
        guard let manager = instanceManager, let root = instanceRoot else {
            throw ControlError(.instancesUnavailable, "this Tidemark process cannot run managed instances")
        }
        return (manager, root)
    }

    /// Creates a managed PostgreSQL instance named `name` with a database of the same name,
    /// registers it and gives it a plan (physical base backups unless `plan` says otherwise).
    ///
    /// Every check runs before initdb: the name is valid and free, the port (given or found) is
    /// no other instance's and free to bind, the plan's settings resolve. When a later step
    /// fails the instance is removed again, so nothing half-made stays.
    /// - Throws: `invalid-name`, `name-conflict`, `port-taken`, the plan's errors, then the
    ///   instance manager's (`tool-not-found` when PostgreSQL is not installed).
    package func create(name: String, port requested: Int? = nil, plan: PlanChange? = PlanChange(method: .physical)) async throws -> CreatedInstance {
        let (manager, root) = try parts()
        try NameRule.validate(name, what: "database")
        try await catalog.requireDatabaseNameFree(name)
        try await checkLimit()
        var planChange = try await plans.checked(plan)
        if planChange != nil && planChange?.method == nil { planChange?.method = .physical }
        let port = try await choosePort(requested)
        let instance = ManagedInstance(dataDirectory: "\(root)/\(name)/data", port: port)
        let password = Secret(Base64URL.random(count: 24))
        try await manager.create(instance, password: password, database: name)
        let record: DatabaseRecord
        do {
            record = try await register(name: name, instance: instance, password: password, database: name)
        } catch {
            try? await manager.remove(instance)
            throw error
        }
        logger.info("managed instance \(name) created on port \(port) in \(instance.dataDirectory)")
        var created: PlanRecord?
        if let planChange { created = try await plans.set(database: name, planChange) }
        let url = DatabaseURL.render(record.connection, engine: .postgres, password: password, revealPassword: true)
        return CreatedInstance(database: record, url: Secret(url), plan: created)
    }

    /// Registers managed instance `instance` as database `name`, reached as the superuser at
    /// database `database` (`create`, and restores that make an instance).
    func register(name: String, instance: ManagedInstance, password: Secret<String>, database: String) async throws -> DatabaseRecord {
        let record = DatabaseRecord(
            name: name, engine: .postgres,
            connection: DatabaseConnection(host: "127.0.0.1", port: instance.port, user: "postgres", database: database),
            password: password, createdAt: now(), managed: instance
        )
        try await catalog.insertDatabase(record)
        return record
    }

    /// Refuses a new instance when the host runs as many as allowed.
    /// - Throws: `instance-limit`.
    func checkLimit() async throws {
        let active = try await catalog.databases().filter { $0.managed != nil && $0.deprovisionedAt == nil }.count
        let limit = maxManagedInstances
        guard active < limit else {
            throw ControlError(
                .instanceLimit, "this host already runs \(active) managed instance(s), the limit",
                hint: "Deprovision one ('tidemark db deprovision NAME'), or raise TIDEMARK_MAX_INSTANCES (now \(limit))."
            )
        }
    }

    /// A free loopback port that no managed instance has: `requested` when given and free.
    /// - Throws: `port-taken`.
    func choosePort(_ requested: Int?) async throws -> Int {
        let reserved = Set(try await catalog.databases().compactMap { $0.deprovisionedAt == nil ? $0.managed?.port : nil })
        if let requested {
            guard (1024...65535).contains(requested) else {
                throw ControlError(.portTaken, "port \(requested) cannot be used", hint: "Give a port from 1024 to 65535, or leave --port out to get a free one.")
            }
            guard !reserved.contains(requested), FreePort.isFree(requested) else {
                throw ControlError(.portTaken, "port \(requested) is already used\(reserved.contains(requested) ? " by another managed instance" : " on 127.0.0.1")", hint: "Leave --port out to get a free one.")
            }
            return requested
        }
        for _ in 0..<20 {
            let port = try FreePort.loopback()
            if !reserved.contains(port) { return port }
        }
        throw ControlError(.portTaken, "no free loopback port was found")
    }

    /// Starts managed instance `name` and marks it to be kept running.
    /// - Throws: `database-not-registered`, `not-managed`, the manager's errors.
    @discardableResult
    package func start(named name: String) async throws -> DatabaseRecord {
        try await setDesiredState(.running, named: name) { manager, instance in try await manager.start(instance) }
    }

    /// Stops managed instance `name` and marks it stopped on purpose (`serve` leaves it down).
    @discardableResult
    package func stop(named name: String) async throws -> DatabaseRecord {
        try await setDesiredState(.stopped, named: name) { manager, instance in try await manager.stop(instance) }
    }

    /// Records the desired state first (so `serve` does not undo a stop), then acts.
    private func setDesiredState(
        _ state: ManagedInstance.DesiredState, named name: String, act: (any InstanceManager, ManagedInstance) async throws -> Void
    ) async throws -> DatabaseRecord {
        let (manager, _) = try parts()
        var (record, instance) = try await managed(named: name)
        instance.desiredState = state
        record.managed = instance
        try await catalog.updateDatabase(record)
        try await act(manager, instance)
        return record
    }

    /// Whether the server of `database` runs; nil for an external server.
    package func status(of database: DatabaseRecord) async -> InstanceStatus? {
        guard let instance = database.managed, let manager = instanceManager else { return nil }
        return await manager.status(of: instance)
    }

    /// The managed database `name` and its instance.
    /// - Throws: `database-not-registered`, `database-deprovisioned`, `not-managed`.
    func managed(named name: String) async throws -> (DatabaseRecord, ManagedInstance) {
        let record = try await catalog.requireDatabase(named: name)
        guard let instance = record.managed else {
            throw ControlError(.notManaged, "database \(name) is an external server, not a managed instance", hint: "Only instances made with 'tidemark db create' can be started and stopped by Tidemark.")
        }
        if record.deprovisionedAt != nil {
            throw ControlError(.databaseDeprovisioned, "database \(name) is deprovisioned; its instance was removed")
        }
        return (record, instance)
    }
}

extension ControlPlane {
    /// Managed PostgreSQL instances.
    package var instanceService: InstanceService {
        InstanceService(
            catalog: catalog, instanceManager: instances, instanceRoot: instanceRoot, maxManagedInstances: configuration.maxManagedInstances,
            now: now, logger: logger, plans: plans
        )
    }
}
