/// What pushing one WAL file did.
package enum WALPushOutcome: String, Sendable {
    case stored
    /// The archive already held this file with the same contents (PostgreSQL archives a file
    /// again after a crash; the `archive_command` contract asks for success then).
    case alreadyStored = "already-stored"
}
