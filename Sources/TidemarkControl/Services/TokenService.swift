import Crypto
import Foundation
import Logging
package import TidemarkCore

/// A token as created: the record and the token itself, which is shown once and never stored.
package struct CreatedToken: Sendable {
    package var record: TokenRecord
    package var token: Secret<String>
}

/// API tokens (SPEC §7): create, list, revoke, and the lookups behind bearer auth and dashboard
/// sessions. It sees only the catalog, the clock and the log.
package struct TokenService: Sendable {
    private let catalog: any Catalog
    private let now: @Sendable () -> Date
    private let logger: Logger

    init(catalog: any Catalog, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.catalog = catalog
        self.now = now
        self.logger = logger
    }

    /// Creates an API token named `name` with `role`.
    ///
    /// The token is 32 random bytes (base64url) behind a `tmk_` prefix; only its SHA-256 is
    /// stored, so a stolen catalog file yields no usable token. A slow password hash is not
    /// needed: the token has 256 bits of entropy, not a person's choice.
    /// - Throws: `invalid-name`, `name-conflict`.
    package func create(name: String, role: TokenRole) async throws -> CreatedToken {
        try NameRule.validate(name, what: "token")
        let token = "tmk_" + Base64URL.random(count: 32)
        let record = TokenRecord(name: name, role: role, hash: Self.hash(token), createdAt: now())
        try await catalog.insertToken(record)
        logger.info("API token \(name) created with role \(role.rawValue)")
        return CreatedToken(record: record, token: Secret(token))
    }

    /// Every token (names, roles, times; never the token).
    package func list() async throws -> [TokenRecord] {
        try await catalog.tokens()
    }

    /// Revokes token `name`: requests carrying it are refused from now on.
    /// - Throws: `not-found`.
    package func revoke(named name: String) async throws {
        try await catalog.deleteToken(named: name)
        logger.info("API token \(name) revoked")
    }

    /// The token record a bearer token belongs to, or nil when it is unknown or revoked.
    package func authenticate(bearer token: String) async throws -> TokenRecord? {
        let hash = Self.hash(token)
        guard let record = try await catalog.token(hash: hash) else { return nil }
        try? await catalog.touchToken(hash: hash, at: now())
        return record
    }

    /// The token record whose hash is `hash`, or nil once it is revoked (dashboard sessions keep
    /// the hash, never the token, and look it up on every request).
    package func record(hash: String) async throws -> TokenRecord? {
        try await catalog.token(hash: hash)
    }

    /// Lower-case hex SHA-256 of a token string.
    static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }
}

extension ControlPlane {
    /// API tokens.
    package var tokens: TokenService { TokenService(catalog: catalog, now: now, logger: logger) }
}
