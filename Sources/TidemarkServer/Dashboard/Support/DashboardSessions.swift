package import Foundation
package import TidemarkCore

/// A signed-in dashboard user: the hash of the API token they logged in with (never the token)
/// and the CSRF token every form of the session must carry.
package struct DashboardSession: Sendable {
    package var id: String
    package var tokenHash: String
    package var tokenName: String
    package var role: TokenRole
    package var csrf: String
    package var expiresAt: Date
}

/// The dashboard's sessions, in memory: a restart signs everyone out, which is the safe
/// direction. Each session lasts `lifetime` from its last use; the token behind it is looked
/// up again on every request, so revoking the token ends the session at once.
package actor DashboardSessions {
    private var sessions: [String: DashboardSession] = [:]
    private let lifetime: TimeInterval
    private let now: @Sendable () -> Date

    package init(lifetime: TimeInterval = 12 * 3600, now: @escaping @Sendable () -> Date) {
        self.lifetime = lifetime
        self.now = now
    }

    /// Starts a session for `token`.
    package func open(for token: TokenRecord) -> DashboardSession {
        dropExpired()
        let session = DashboardSession(
            id: Self.randomToken(), tokenHash: token.hash, tokenName: token.name, role: token.role,
            csrf: Self.randomToken(), expiresAt: now().addingTimeInterval(lifetime)
        )
        sessions[session.id] = session
        return session
    }

    /// The live session with `id`, its lifetime renewed; nil when unknown or expired.
    package func session(id: String) -> DashboardSession? {
        guard var session = sessions[id] else { return nil }
        guard session.expiresAt > now() else {
            sessions[id] = nil
            return nil
        }
        session.expiresAt = now().addingTimeInterval(lifetime)
        sessions[id] = session
        return session
    }

    /// Ends a session (sign out, or its token was revoked).
    package func close(id: String) {
        sessions[id] = nil
    }

    private func dropExpired() {
        let time = now()
        sessions = sessions.filter { $0.value.expiresAt > time }
    }

    /// 32 random bytes, base64url: unguessable and safe in a cookie or a form field.
    package static func randomToken() -> String {
        Base64URL.random(count: 32)
    }
}
