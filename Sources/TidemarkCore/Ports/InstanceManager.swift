/// Whether a managed instance's server is up.
package enum InstanceStatus: String, Sendable, Codable {
    case running
    case stopped
    /// The data directory is gone (removed by hand, or never finished).
    case missing
}

/// Creates, runs and backs up PostgreSQL servers on this host (managed instances, SPEC §4.7).
///
/// Every method works on the instance's data directory; the server listens on 127.0.0.1 at
/// the instance's port and on a Unix socket inside the data directory, which the manager
/// itself uses (no password crosses a command line or a file others can read).
package protocol InstanceManager: Sendable {
    /// Runs initdb (data checksums, SCRAM for TCP), writes the configuration, starts the server
    /// and creates database `database` in it. Removes what it made when a step fails.
    /// - Throws: `EngineError` `tool-not-found` (initdb missing), `restore-failed`.
    func create(_ instance: ManagedInstance, password: Secret<String>, database: String) async throws

    /// Starts the server if it is not running (waits until it accepts connections).
    func start(_ instance: ManagedInstance) async throws

    /// Stops the server (fast shutdown) if it is running.
    func stop(_ instance: ManagedInstance) async throws

    /// Whether the server is running.
    func status(of instance: ManagedInstance) async -> InstanceStatus

    /// Stops the server and deletes the instance's directory (the data directory's parent).
    func remove(_ instance: ManagedInstance) async throws

    /// Streams a base backup of the whole cluster (`pg_basebackup -Ft -X fetch` to stdout) into
    /// `sink`: a plain tar, self-contained (it holds the WAL it needs).
    /// - Parameter progress: bytes streamed so far and the estimated total.
    /// - Throws: `EngineError` `not-supported` for a cluster with extra tablespaces, `dump-failed`.
    func baseBackup(
        of instance: ManagedInstance,
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ bytesDone: Int64, _ bytesTotal: Int64) -> Void
    ) async throws -> BaseBackupSummary

    /// Builds a new instance from a base backup tar read from `source`: extracts it into the
    /// (new) data directory, runs `pg_verifybackup`, writes the configuration for the new port,
    /// starts the server and sets the superuser's password to `password`. Removes the new
    /// instance when any step fails.
    func restore(_ instance: ManagedInstance, password: Secret<String>, from source: () async throws -> [UInt8]?) async throws
}
