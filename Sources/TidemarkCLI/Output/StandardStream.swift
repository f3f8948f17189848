import Synchronization
import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes to stdout and stderr with `write(2)`, so a reader that went away (`tidemark op list |
/// head -1`) is an `EPIPE` we handle instead of a trap: Foundation's non-throwing
/// `FileHandle.write(_:)` crashes the process on it (SIGPIPE is ignored, see `Entry`).
///
/// Once a stream reports that it is closed, later writes to it are dropped, and the command
/// ends quietly (`GlobalOptions.run`).
final class StandardStreams: Sendable {
    private let closed = Mutex<Set<Int32>>([])

    /// Whether stdout's reader has gone away.
    var isOutputClosed: Bool { closed.withLock { $0.contains(STDOUT_FILENO) } }

    /// Writes `bytes` to stdout.
    /// - Throws: `OutputClosedError` when stdout's reader has gone away.
    func writeOutput(_ bytes: [UInt8]) throws(OutputClosedError) {
        guard write(bytes, to: STDOUT_FILENO) else { throw OutputClosedError() }
    }

    /// Writes `bytes` to stderr; a closed stderr drops them (there is nowhere to report it).
    func writeError(_ bytes: [UInt8]) {
        _ = write(bytes, to: STDERR_FILENO)
    }

    /// Writes all of `bytes`; false when the stream is (or was) closed or broken.
    private func write(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        if closed.withLock({ $0.contains(descriptor) }) { return false }
        let complete = StandardStreams.writeAll(bytes, to: descriptor)
        if !complete { closed.withLock { _ = $0.insert(descriptor) } }
        return complete
    }

    /// `write(2)` until every byte is written, retrying interrupted calls; false on any error
    /// (EPIPE, EBADF for a closed descriptor, EIO…).
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return true }
            var offset = 0
            while offset < buffer.count {
                let result = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if result < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN {
                        // A non-blocking descriptor (set by whoever shares it): wait until writable.
                        var wait = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                        _ = poll(&wait, 1, 1000)
                        continue
                    }
                    return false
                }
                offset += result
            }
            return true
        }
    }
}

/// The command's standard output was closed by its reader; the command ends quietly. An
/// operation that was streaming to stdout (`backup export`) records this as its error.
struct OutputClosedError: UserFacingError {
    var code: String { "output-closed" }
    var message: String { "standard output was closed by its reader before the command finished" }
    var hint: String? { "Write to a file instead (e.g. --out FILE), or read the whole output." }
    var category: ErrorCategory { .internal }
}
