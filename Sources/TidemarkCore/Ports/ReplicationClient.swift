import Foundation

/// The physical side of an external PostgreSQL server (SPEC §4.8), over its replication
/// connection: base backups, the replication slot WAL is streamed from, and the receiver.
///
/// The role needs the REPLICATION attribute (or superuser) and `pg_hba.conf` must allow it a
/// `replication` connection; passwords reach the programs in `PGPASSWORD`, never argv.
package protocol ReplicationClient: Sendable {
    /// Checks, before anything is set up, that `target` can stream WAL: the role may
    /// replicate, `wal_level` is replica or logical, a WAL sender and a slot are free.
    /// - Throws: `EngineError` `permission-denied` or `not-supported`, naming what to change.
    func checkReplication(_ target: DatabaseTarget) async throws

    /// Creates physical slot `slot` reserving WAL from now; an existing slot is kept.
    func createSlot(_ slot: String, on target: DatabaseTarget) async throws

    /// Drops `slot` (the server stops keeping WAL for it); a missing slot is no error.
    func dropSlot(_ slot: String, on target: DatabaseTarget) async throws

    /// The slot as the server reports it; nil when it does not exist.
    func slotStatus(_ slot: String, on target: DatabaseTarget) async throws -> ReplicationSlotStatus?

    /// Runs `pg_receivewal` from `slot` into `directory` until it exits (the connection broke,
    /// the server went away) or the calling task is cancelled (the process is killed).
    /// - Returns: the receiver's exit status and the tail of its standard error.
    func receiveWAL(from target: DatabaseTarget, slot: String, into directory: String) async throws -> ProcessOutcome

    /// Streams a base backup of the whole cluster (`pg_basebackup -Ft -X fetch` to stdout)
    /// into `sink`, as ``InstanceManager/baseBackup(of:into:progress:)`` does for a managed instance.
    func baseBackup(
        of target: DatabaseTarget,
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ bytesDone: Int64, _ bytesTotal: Int64) -> Void
    ) async throws -> BaseBackupSummary
}

/// A replication slot as `pg_replication_slots` shows it.
package struct ReplicationSlotStatus: Sendable, Equatable {
    /// Whether a receiver is connected to it now.
    package var active: Bool
    /// Bytes of WAL the server keeps for the slot (current LSN minus `restart_lsn`).
    package var retainedBytes: Int64
    /// `wal_status`: `reserved`, `extended`, `unreserved` or `lost` (WAL the slot needed was
    /// removed: `max_slot_wal_keep_size` was exceeded, the archive has a gap).
    package var walStatus: String

    package init(active: Bool, retainedBytes: Int64, walStatus: String) {
        self.active = active
        self.retainedBytes = retainedBytes
        self.walStatus = walStatus
    }
}
