/// Who holds an operation's lease, as written in `leaseOwner`: `cli:<host>:<pid>` or
/// `serve:<host>:<pid>`. Parsed so that a process on the same host can tell that the holder is
/// gone (kill -9) without waiting for the lease to run out.
package struct LeaseOwner: Sendable, Equatable {
    package var role: String
    package var host: String
    package var pid: Int32

    /// Nil for owners written in another form (tests, future kinds): they are left to expire.
    package init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 1]), pid > 0 else { return nil }
        role = String(parts[0])
        host = parts[1..<(parts.count - 1)].joined(separator: ":")
        self.pid = pid
    }
}
