package import Foundation

/// Lifecycle of a backup. Only `completed` backups can be restored.
package enum BackupStatus: String, Sendable, Codable, CaseIterable {
    case pending
    case running
    case completed
    case failed
}

/// Why a backup was taken.
package enum BackupTrigger: String, Sendable, Codable, CaseIterable {
    case automatic
    case manual
    case final
    case copy
}

/// How a backup was taken.
package enum BackupMethod: String, Sendable, Codable, CaseIterable {
    case logical
    case physical
}

/// A failure recorded on a backup or an operation: the stable code and the user message.
package struct ErrorInfo: Sendable, Codable, Equatable {
    package var code: String
    package var message: String
    package var hint: String?

    package init(code: String, message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    /// Captures any error, keeping the code and hint of a `UserFacingError`.
    package init(_ error: any Error) {
        if let error = error as? any UserFacingError {
            self.init(code: error.code, message: error.message, hint: error.hint)
        } else {
            self.init(code: "internal-error", message: "\(error)")
        }
    }
}

/// One table inside a backup, as captured in the dump.
package struct TableContents: Sendable, Codable, Equatable {
    package var schema: String
    package var name: String
    /// Bytes of the table's data in the dump (COPY text for PostgreSQL).
    package var bytes: Int64
    /// Rows captured in the backup, counted while the dump streamed (logical backups), or the
    /// planner's estimate (`reltuples`) when `rowsAreEstimates` (physical backups).
    package var rows: Int64
    /// True when `rows` is an estimate rather than a count.
    package var rowsAreEstimates: Bool

    package init(schema: String, name: String, bytes: Int64, rows: Int64, rowsAreEstimates: Bool = false) {
        self.schema = schema
        self.name = name
        self.bytes = bytes
        self.rows = rows
        self.rowsAreEstimates = rowsAreEstimates
    }

    private enum CodingKeys: String, CodingKey { case schema, name, bytes, rows, rowsAreEstimates }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decode(String.self, forKey: .schema)
        name = try container.decode(String.self, forKey: .name)
        bytes = try container.decode(Int64.self, forKey: .bytes)
        rows = try container.decode(Int64.self, forKey: .rows)
        rowsAreEstimates = try container.decodeIfPresent(Bool.self, forKey: .rowsAreEstimates) ?? false
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(name, forKey: .name)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(rows, forKey: .rows)
        // Only when true, so logical manifests keep their documented shape.
        if rowsAreEstimates { try container.encode(true, forKey: .rowsAreEstimates) }
    }

    /// `schema.name`.
    package var qualifiedName: String { "\(schema).\(name)" }
}

/// One database inside a backup.
package struct DatabaseContents: Sendable, Codable, Equatable {
    package var name: String
    package var bytes: Int64
    package var tables: [TableContents]

    package init(name: String, bytes: Int64, tables: [TableContents]) {
        self.name = name
        self.bytes = bytes
        self.tables = tables
    }
}

/// When retention deletes a backup, as last recorded by a retention evaluation.
package enum StoredExpiry: Sendable, Equatable {
    /// Not evaluated since the backup was recorded (or since before expiries were stored).
    case unknown
    /// Kept forever under the current policy (manual, kept final).
    case never
    case at(Date)
}

/// A backup as the catalog records it.
package struct BackupRecord: Sendable, Equatable {
    package var id: String
    package var database: String
    package var storage: String
    package var status: BackupStatus
    package var trigger: BackupTrigger
    package var method: BackupMethod
    package var engine: EngineKind
    package var serverVersion: String?
    package var startedAt: Date
    package var finishedAt: Date?
    package var logicalBytes: Int64
    package var storedBytes: Int64
    package var error: ErrorInfo?
    package var operationID: String?
    package var databases: [DatabaseContents]
    /// LSNs, timeline and system of a physical backup; nil for logical ones.
    package var physical: PhysicalBackupInfo?
    /// What the dump warned about (a MariaDB table that `--single-transaction` does not make
    /// consistent), as in the manifest's `warnings`; empty when nothing did.
    package var warnings: [String] = []
    /// For a copy (trigger `copy`): the id of the backup it was copied from; nil otherwise.
    package var copyOf: String?
    /// The last restore test of this backup (``RestoreTestResult``); nil when never tested.
    package var lastTest: RestoreTestResult?
    /// Written only by `Catalog.recordExpiries` (retention evaluations); inserts and updates
    /// leave the stored value alone.
    package var storedExpiry: StoredExpiry = .unknown

    package init(
        id: String,
        database: String,
        storage: String,
        status: BackupStatus,
        trigger: BackupTrigger,
        method: BackupMethod,
        engine: EngineKind,
        serverVersion: String? = nil,
        startedAt: Date,
        finishedAt: Date? = nil,
        logicalBytes: Int64 = 0,
        storedBytes: Int64 = 0,
        error: ErrorInfo? = nil,
        operationID: String? = nil,
        databases: [DatabaseContents] = [],
        physical: PhysicalBackupInfo? = nil
    ) {
        self.id = id
        self.database = database
        self.storage = storage
        self.status = status
        self.trigger = trigger
        self.method = method
        self.engine = engine
        self.serverVersion = serverVersion
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.logicalBytes = logicalBytes
        self.storedBytes = storedBytes
        self.error = error
        self.operationID = operationID
        self.databases = databases
        self.physical = physical
    }
}

/// The backups of one database at a glance (list records, without table contents).
package struct BackupOverview: Sendable, Equatable {
    /// The newest backup, whatever its status: the last attempt's outcome.
    package var latest: BackupRecord?
    package var latestCompleted: BackupRecord?
    package var failedCount: Int

    package init(latest: BackupRecord? = nil, latestCompleted: BackupRecord? = nil, failedCount: Int = 0) {
        self.latest = latest
        self.latestCompleted = latestCompleted
        self.failedCount = failedCount
    }
}
