/// What an engine can do, so Control, the API and the dashboard ask instead of checking the
/// engine's name.
package struct EngineCapabilities: Sendable, Equatable {
    /// Whether databases of this engine live on a server or in a file.
    package enum Location: String, Sendable {
        case server
        case file
    }

    package var location: Location
    /// Physical base backups (`--method physical`).
    package var physicalBackups: Bool
    /// Restoring one table of a logical backup (`restore --table`).
    package var tableRestore: Bool
    /// Continuous WAL archiving and restores to a point in time (`--pitr`, `restore --at`).
    package var pointInTimeRecovery: Bool
    /// Instances Tidemark runs itself (`db create`).
    package var managedInstances: Bool
    /// The schema a table name without one is in (`public`); nil when the engine has no
    /// schemas inside a database (MariaDB: a database is a schema), or no tables to name.
    package var defaultSchema: String?
    /// The format name of a logical backup's stream (`pg_dump-custom`, `mariadb-sql`, `sqlite-file`).
    package var streamFormat: String
    /// The file name ending of that stream, and of its export (`pgdump`, `sql`, `db`).
    package var streamExtension: String

    package init(
        location: Location, physicalBackups: Bool, tableRestore: Bool, pointInTimeRecovery: Bool, managedInstances: Bool,
        defaultSchema: String?, streamFormat: String, streamExtension: String
    ) {
        self.location = location
        self.physicalBackups = physicalBackups
        self.tableRestore = tableRestore
        self.pointInTimeRecovery = pointInTimeRecovery
        self.managedInstances = managedInstances
        self.defaultSchema = defaultSchema
        self.streamFormat = streamFormat
        self.streamExtension = streamExtension
    }
}

/// How a logical backup's stream is cut into chunks.
package enum DumpLayout: Sendable, Equatable {
    /// Content-defined chunks (a dump whose bytes move when rows are added).
    case contentDefined
    /// Fixed blocks of this many bytes from the stream's start (a database file copied page
    /// by page: an unchanged page gives the same chunk at the same offset).
    case fixedBlocks(Int)
}
