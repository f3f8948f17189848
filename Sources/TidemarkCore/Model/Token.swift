package import Foundation

/// What an API token may do (SPEC §7).
package enum TokenRole: String, Sendable, Codable, CaseIterable {
    /// Everything, including restore, purge, retention changes and deprovisioning.
    case admin
    /// Read-only access.
    case viewer
}

/// An API token as the catalog stores it: never the token itself, only its SHA-256.
package struct TokenRecord: Sendable, Equatable {
    package var name: String
    package var role: TokenRole
    /// Lower-case hex SHA-256 of the whole token string.
    package var hash: String
    package var createdAt: Date
    /// Updated at most once a minute, so reads stay cheap.
    package var lastUsedAt: Date?

    package init(name: String, role: TokenRole, hash: String, createdAt: Date, lastUsedAt: Date? = nil) {
        self.name = name
        self.role = role
        self.hash = hash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}
