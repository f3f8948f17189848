package import Foundation
package import TidemarkCore

/// The `origin` of a manifest: what the catalog knew about the backed-up database when the
/// backup was taken, so that `storage attach` can rebuild the database, its plan and policy
/// from the repository alone after the catalog is lost (SPEC §4.12). Never a password.
package struct BackupOrigin: Sendable, Codable, Equatable {
    /// The database's stable id (``DatabaseRecord/id``).
    package var databaseID: String
    /// When the database was registered.
    package var registeredAt: Date
    /// How it was reached, without its password.
    package var connection: DatabaseConnection
    /// True for a managed instance (Tidemark ran the server; the port is the connection's).
    package var managed: Bool
    /// The WAL archive namespace (`wal/<namespace>/`) the database archived into, if any.
    package var walNamespace: String?
    /// The plan at the time of the backup; nil when the database had none.
    package var plan: PlanSnapshot?
    /// The plan's retention policy at the time of the backup.
    package var policy: RetentionPolicy?

    package init(
        databaseID: String, registeredAt: Date, connection: DatabaseConnection, managed: Bool,
        walNamespace: String?, plan: PlanSnapshot?, policy: RetentionPolicy?
    ) {
        self.databaseID = databaseID
        self.registeredAt = registeredAt
        self.connection = connection
        self.managed = managed
        self.walNamespace = walNamespace
        self.plan = plan
        self.policy = policy
    }

    /// The origin of a backup of `database` under `plan` and `policy`.
    package init(database: DatabaseRecord, plan: PlanRecord?, policy: RetentionPolicy?) {
        self.init(
            databaseID: database.id, registeredAt: database.createdAt, connection: database.connection,
            managed: database.managed != nil, walNamespace: database.walNamespace,
            plan: plan.map(PlanSnapshot.init), policy: policy
        )
    }

    private enum CodingKeys: String, CodingKey {
        case databaseID = "databaseId", registeredAt, connection, managed, walNamespace, plan, policy
    }
}

/// A plan as a manifest records it (``BackupOrigin/plan``).
package struct PlanSnapshot: Sendable, Codable, Equatable {
    /// The storage the plan backs up to.
    package var storage: String
    /// The cron expression as written.
    package var schedule: String
    /// The retention policy's name.
    package var policy: String
    package var method: BackupMethod
    package var pitr: Bool
    /// Whether the plan was paused.
    package var paused: Bool
    /// The storage its backups were copied to; absent for none.
    package var copyTo: String?

    package init(storage: String, schedule: String, policy: String, method: BackupMethod, pitr: Bool, paused: Bool) {
        self.storage = storage
        self.schedule = schedule
        self.policy = policy
        self.method = method
        self.pitr = pitr
        self.paused = paused
    }

    package init(_ plan: PlanRecord) {
        self.init(storage: plan.storage, schedule: plan.schedule, policy: plan.policy, method: plan.method, pitr: plan.pitr, paused: plan.isPaused)
        copyTo = plan.copyTo
    }
}
