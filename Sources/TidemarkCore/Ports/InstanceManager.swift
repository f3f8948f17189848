package import Foundation

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

    /// Writes the instance's settings again (its `archiveCommand` changed) and makes the
    /// running server use them: a reload, or a restart when archiving was never switched on.
    func reconfigure(_ instance: ManagedInstance) async throws

    /// Commits a transaction (`SELECT txid_current()`), so the WAL holds a commit record of
    /// now: a time target before it can be reached by recovery.
    func heartbeat(_ instance: ManagedInstance) async throws

    /// What the server's archiver reports (`pg_stat_archiver`, `archive_status`, `pg_wal`).
    func archiverStatus(_ instance: ManagedInstance) async throws -> ArchiverStatus

    /// Creates directory `path` for WAL a restore fetches ahead (`wal-fetch --spool`): owned
    /// by the user the servers run as, who reads and marks files there.
    func prepareSpool(at path: String) throws

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
    /// - Parameter recovery: replay archived WAL to a point in time before the server opens
    ///   (nil: the backup's own end). Success means the server promoted and logged no FATAL.
    func restore(_ instance: ManagedInstance, password: Secret<String>, recovery: RecoveryTarget?, from source: () async throws -> [UInt8]?) async throws
}

/// How a restored instance replays archived WAL (point-in-time recovery, SPEC §4.8).
package struct RecoveryTarget: Sendable, Equatable {
    /// The `restore_command` (PostgreSQL runs it for every WAL file it wants).
    package var restoreCommand: String
    /// Stop before the first commit after this moment; nil: replay everything the archive has.
    package var time: Date?
    /// The timeline to follow (the base backup's).
    package var timeline: UInt32

    package init(restoreCommand: String, time: Date?, timeline: UInt32) {
        self.restoreCommand = restoreCommand
        self.time = time
        self.timeline = timeline
    }
}

/// A managed server's WAL archiving as it sees it.
package struct ArchiverStatus: Sendable, Equatable {
    package var archivedCount: Int
    package var lastArchivedWAL: String?
    package var lastArchivedAt: Date?
    package var failedCount: Int
    package var lastFailedAt: Date?
    /// WAL files waiting for `archive_command` (`.ready` in `archive_status`).
    package var waitingFiles: Int
    /// How long the oldest of them has waited.
    package var oldestWaitingSeconds: Double
    /// The size of `pg_wal`.
    package var walDirectoryBytes: Int64

    package init(
        archivedCount: Int, lastArchivedWAL: String?, lastArchivedAt: Date?, failedCount: Int, lastFailedAt: Date?,
        waitingFiles: Int, oldestWaitingSeconds: Double, walDirectoryBytes: Int64
    ) {
        self.archivedCount = archivedCount
        self.lastArchivedWAL = lastArchivedWAL
        self.lastArchivedAt = lastArchivedAt
        self.failedCount = failedCount
        self.lastFailedAt = lastFailedAt
        self.waitingFiles = waitingFiles
        self.oldestWaitingSeconds = oldestWaitingSeconds
        self.walDirectoryBytes = walDirectoryBytes
    }

    /// The last attempt failed and files are waiting.
    package var isFailing: Bool {
        guard waitingFiles > 0, let failed = lastFailedAt else { return false }
        return lastArchivedAt.map { failed > $0 } ?? true
    }
}
