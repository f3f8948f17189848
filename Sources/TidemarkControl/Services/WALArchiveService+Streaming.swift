import Foundation
import Logging
import TidemarkCore

/// WAL of external servers (SPEC §4.8): streamed by `pg_receivewal` over a replication slot
/// (``WALReceiverSupervisor`` in `serve`), into the same archive format managed instances push to.
extension WALArchiveService {
    /// The replication side of external servers.
    /// - Throws: `pitr-unavailable` in a process built without it.
    func replicationClient() throws -> any ReplicationClient {
        guard let client = replication else {
            throw ControlError(.pitrUnavailable, "this Tidemark process cannot reach external servers' replication connections")
        }
        return client
    }

    /// Checks that external `database` can be backed up physically and stream WAL (the role
    /// may replicate, `wal_level`, free senders and slots), before a plan says so.
    func checkReplication(_ database: DatabaseRecord) async throws {
        try engines.requirePhysical(database.engine, database: database.name, pitr: false)
        try await replicationClient().checkReplication(database.target)
    }

    /// Makes WAL streaming of external database `name` follow its plan: with `pitr`, a slot
    /// reserving WAL from now (so nothing is missed before `serve` first connects) and the
    /// database marked for `serve` to receive; without, streaming marked off first (so `serve`
    /// stops its receiver) and the slot dropped, so the server stops keeping WAL for it.
    func applyStreaming(database name: String, pitr: Bool) async throws {
        var database = try await catalog.requireDatabase(named: name)
        guard database.managed == nil else { return }
        if pitr {
            let client = try replicationClient()
            if database.walStreaming?.active == true { return }
            var streaming = database.walStreaming ?? WALStreaming(namespace: Identifier.make())
            try await client.createSlot(streaming.slot, on: database.target)
            streaming.active = true
            database.walStreaming = streaming
            try await catalog.updateDatabase(database)
            logger.info("WAL streaming of \(name) on: slot \(streaming.slot), namespace \(streaming.namespace)")
        } else {
            try await stopStreaming(&database)
        }
    }

    /// Turns streaming of external `database` off and drops its slot (no-op when it does not stream).
    func stopStreaming(_ database: inout DatabaseRecord) async throws {
        guard var streaming = database.walStreaming, streaming.active else { return }
        streaming.active = false
        database.walStreaming = streaming
        try await catalog.updateDatabase(database)
        do {
            try await replicationClient().dropSlot(streaming.slot, on: database.target)
        } catch {
            let info = ErrorInfo(error)
            throw TidemarkError(
                code: info.code, message: "WAL streaming of \(database.name) is off, but its replication slot \(streaming.slot) could not be dropped: \(info.message)",
                hint: "The server keeps WAL for the slot until it is dropped: run SELECT pg_drop_replication_slot('\(streaming.slot)'); there.", category: .unavailable
            )
        }
        logger.info("WAL streaming of \(database.name) off: slot \(streaming.slot) dropped")
    }
}
