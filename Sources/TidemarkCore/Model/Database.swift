package import Foundation

/// The database engines Tidemark knows.
package enum EngineKind: String, Sendable, Codable, CaseIterable {
    case postgres
    case mariadb
    case sqlite
}

/// Where a database lives: on a server (PostgreSQL, MariaDB) or in a file (SQLite).
package enum DatabaseLocation: Sendable, Equatable {
    case server(host: String, port: Int, user: String, database: String)
    /// An absolute file path.
    case file(path: String)
}

/// How to reach a database, without its password: a server (host, port, user, database) or,
/// when ``isFile``, a database file whose absolute path is ``database``. Engines and Control
/// ask ``location`` rather than reading the fields.
package struct DatabaseConnection: Sendable, Codable, Equatable {
    package var host: String
    package var port: Int
    package var user: String
    /// The database's name on its server, or the path of a database file.
    package var database: String
    /// Extra URL query parameters such as `sslmode`, kept in order.
    package var parameters: [String: String]
    /// The database is the file at ``database`` (no server, no user).
    package var isFile: Bool

    package init(host: String, port: Int, user: String, database: String, parameters: [String: String] = [:]) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.parameters = parameters
        self.isFile = false
    }

    /// The database file at `path` (absolute).
    package static func file(path: String) -> DatabaseConnection {
        var connection = DatabaseConnection(host: "", port: 0, user: "", database: path)
        connection.isFile = true
        return connection
    }

    /// A server or a file.
    package var location: DatabaseLocation {
        isFile ? .file(path: database) : .server(host: host, port: port, user: user, database: database)
    }

    /// Where the database is, for messages: `host:port` or the file's directory.
    package var placeDescription: String {
        switch location {
        case .server(let host, let port, _, _): return "\(host):\(port)"
        case .file(let path): return (path as NSString).deletingLastPathComponent
        }
    }

    /// The same server, another database; for a file, another file.
    package func with(database name: String) -> DatabaseConnection {
        var copy = self
        copy.database = name
        return copy
    }

    private enum CodingKeys: String, CodingKey {
        case host, port, user, database, parameters, isFile
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        host = try container.decode(String.self, forKey: .host)
        port = try container.decode(Int.self, forKey: .port)
        user = try container.decode(String.self, forKey: .user)
        database = try container.decode(String.self, forKey: .database)
        parameters = try container.decode([String: String].self, forKey: .parameters)
        // Rows written before SQLite databases existed have no such key: they are servers.
        isFile = try container.decodeIfPresent(Bool.self, forKey: .isFile) ?? false
    }
}

/// A registered database.
package struct DatabaseRecord: Sendable, Equatable {
    /// Stable identity (a lower-case UUID), written into every manifest so a catalog rebuilt
    /// from the repository (`storage attach`) tells two databases of one name apart.
    package var id: String
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
        id: String = DatabaseRecord.newID(),
        name: String,
        engine: EngineKind,
        connection: DatabaseConnection,
        password: Secret<String>?,
        createdAt: Date,
        deprovisionedAt: Date? = nil,
        managed: ManagedInstance? = nil,
        walStreaming: WALStreaming? = nil
    ) {
        self.id = id
        self.name = name
        self.engine = engine
        self.connection = connection
        self.password = password
        self.createdAt = createdAt
        self.deprovisionedAt = deprovisionedAt
        self.managed = managed
        self.walStreaming = walStreaming
    }

    /// A new database id: a random UUID, lower-case.
    package static func newID() -> String { UUID().uuidString.lowercased() }

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
