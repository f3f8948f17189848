package import TidemarkCore

/// What `tidemark apply` makes the catalog hold (SPEC §4.14): parsed from the YAML file, with
/// secrets already read from the environment variables the file names.
///
/// Only what is listed is created or changed; nothing absent from the file is removed.
package struct DesiredState: Sendable {
    package struct Storage: Sendable {
        package var name: String
        package var settings: StorageSettings
        /// The S3 secret access key (from the variable the file names).
        package var secret: Secret<String>?

        package init(name: String, settings: StorageSettings, secret: Secret<String>?) {
            self.name = name
            self.settings = settings
            self.secret = secret
        }
    }

    package struct Database: Sendable {
        package var name: String
        package var engine: EngineKind
        package var connection: DatabaseConnection
        package var password: Secret<String>?

        package init(name: String, engine: EngineKind, connection: DatabaseConnection, password: Secret<String>?) {
            self.name = name
            self.engine = engine
            self.connection = connection
            self.password = password
        }
    }

    package struct Plan: Sendable, Equatable {
        package var database: String
        package var storage: String
        package var schedule: String
        package var policy: String
        package var method: BackupMethod
        /// Continuous WAL archiving (needs `method` physical).
        package var pitr: Bool
        package var paused: Bool

        package init(database: String, storage: String, schedule: String, policy: String, method: BackupMethod, pitr: Bool = false, paused: Bool) {
            self.database = database
            self.storage = storage
            self.schedule = schedule
            self.policy = policy
            self.method = method
            self.pitr = pitr
            self.paused = paused
        }
    }

    package var storages: [Storage]
    package var databases: [Database]
    package var policies: [RetentionPolicy]
    package var plans: [Plan]

    package init(storages: [Storage] = [], databases: [Database] = [], policies: [RetentionPolicy] = [], plans: [Plan] = []) {
        self.storages = storages
        self.databases = databases
        self.policies = policies
        self.plans = plans
    }
}

/// One resource's outcome in an apply: created, updated or unchanged, with what differs.
package struct ApplyChange: Sendable, Encodable, Equatable {
    package enum Action: String, Sendable, Encodable {
        case create, update, unchanged
    }

    /// `storage`, `policy`, `database` or `plan`.
    package var kind: String
    package var name: String
    package var action: Action
    /// What differs, e.g. `schedule: 0 0 3 * * * → 0 0 4 * * *`; never a secret's value.
    package var details: [String]

    package init(kind: String, name: String, action: Action, details: [String] = []) {
        self.kind = kind
        self.name = name
        self.action = action
        self.details = details
    }
}
