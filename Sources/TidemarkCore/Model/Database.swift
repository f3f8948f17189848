package import Foundation

/// The database engines Tidemark knows.
package enum EngineKind: String, Sendable, Codable, CaseIterable {
    case postgres
    case mariadb
    case sqlite
}

/// How to reach a database server, without its password.
package struct DatabaseConnection: Sendable, Codable, Equatable {
    package var host: String
    package var port: Int
    package var user: String
    package var database: String
    /// Extra URL query parameters such as `sslmode`, kept in order.
    package var parameters: [String: String]

    package init(host: String, port: Int, user: String, database: String, parameters: [String: String] = [:]) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.parameters = parameters
    }

    /// The same server, another database.
    package func with(database name: String) -> DatabaseConnection {
        var copy = self
        copy.database = name
        return copy
    }
}

/// A registered database.
package struct DatabaseRecord: Sendable, Equatable {
    package var name: String
    package var engine: EngineKind
    package var connection: DatabaseConnection
    package var password: Secret<String>?
    package var createdAt: Date
    package var deprovisionedAt: Date?
    /// Set when Tidemark runs the server itself (SPEC §4.7); nil for an external server.
    package var managed: ManagedInstance?
    /// WAL streamed from this external server by `pg_receivewal` (SPEC §4.8); nil for a
    /// managed instance (it pushes its WAL) and an external server that never archived.
    package var walStreaming: WALStreaming?

    package init(
        name: String,
        engine: EngineKind,
        connection: DatabaseConnection,
        password: Secret<String>?,
        createdAt: Date,
        deprovisionedAt: Date? = nil,
        managed: ManagedInstance? = nil,
        walStreaming: WALStreaming? = nil
    ) {
        self.name = name
        self.engine = engine
        self.connection = connection
        self.password = password
        self.createdAt = createdAt
        self.deprovisionedAt = deprovisionedAt
        self.managed = managed
        self.walStreaming = walStreaming
    }

    /// The WAL archive namespace of this database (`wal/<namespace>/`): a managed instance's,
    /// or the one an external server's streamed WAL goes to; nil when it never archived.
    package var walNamespace: String? {
        managed?.walNamespace ?? walStreaming?.namespace
    }

    /// Whether WAL of this database is being archived now (pushed by the managed instance, or
    /// streamed from the external server).
    package var archivesWAL: Bool {
        managed?.archiveCommand != nil || walStreaming?.active == true
    }
}

/// A PostgreSQL server Tidemark created on this host and keeps running (SPEC §4.7).
package struct ManagedInstance: Sendable, Codable, Equatable {
    /// Whether the user wants it up (`db start`) or down (`db stop`); `serve` restarts an
    /// instance that should run and is not.
    package enum DesiredState: String, Sendable, Codable {
        case running
        case stopped
    }

    /// The cluster's data directory (PGDATA), under the Tidemark home.
    package var dataDirectory: String
    /// Its loopback TCP port.
    package var port: Int
    package var desiredState: DesiredState
    /// The WAL archive namespace of this cluster (`wal/<namespace>/` in the repository): new for
    /// every instance, a restored one included, so a restored server's timeline never enters
    /// its source's archive. Nil for instances made before archiving existed (given one when
    /// archiving is turned on).
    package var walNamespace: String?
    /// The `archive_command` the server runs; nil: WAL is not archived (the command is `true`,
    /// so `pg_wal` does not fill up).
    package var archiveCommand: String?

    package init(dataDirectory: String, port: Int, desiredState: DesiredState = .running, walNamespace: String? = nil, archiveCommand: String? = nil) {
        self.dataDirectory = dataDirectory
        self.port = port
        self.desiredState = desiredState
        self.walNamespace = walNamespace
        self.archiveCommand = archiveCommand
    }
}
