import TidemarkCore

extension DatabaseRecord {
    /// The connection target, with the password.
    var target: DatabaseTarget { DatabaseTarget(connection: connection, password: password) }
}
