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

    package init(
        name: String,
        engine: EngineKind,
        connection: DatabaseConnection,
        password: Secret<String>?,
        createdAt: Date,
        deprovisionedAt: Date? = nil
    ) {
        self.name = name
        self.engine = engine
        self.connection = connection
        self.password = password
        self.createdAt = createdAt
        self.deprovisionedAt = deprovisionedAt
    }
}
