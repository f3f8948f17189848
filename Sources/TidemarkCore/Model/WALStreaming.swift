/// How `serve` receives the WAL of an external PostgreSQL server (SPEC §4.8): `pg_receivewal`
/// over a physical replication slot on that server, into the repository's WAL archive.
///
/// The slot makes the server keep WAL the receiver has not confirmed yet, so a receiver that
/// is down for a while leaves no gap (the server's `max_slot_wal_keep_size` bounds how much it
/// keeps; docs/OPERATIONS.md).
package struct WALStreaming: Sendable, Codable, Equatable {
    /// The archive namespace (`wal/<namespace>/`), kept when streaming stops so the window
    /// over WAL already archived stays.
    package var namespace: String
    /// The replication slot's name on the server (`tidemark_<namespace>`).
    package var slot: String
    /// Whether the plan archives: `serve` runs the receiver and the slot exists. False after
    /// `plan set --no-pitr`, which dropped the slot.
    package var active: Bool

    package init(namespace: String, slot: String? = nil, active: Bool = true) {
        self.namespace = namespace
        self.slot = slot ?? Self.slotName(namespace: namespace)
        self.active = active
    }

    /// A slot name PostgreSQL accepts (lower-case letters, digits and underscores, at most 63).
    package static func slotName(namespace: String) -> String {
        let cleaned = namespace.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return String(("tidemark_" + String(cleaned)).prefix(63))
    }
}
