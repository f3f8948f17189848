#if canImport(Glibc)
    import Glibc
#endif

/// Reads a whole WAL file straight into bytes: `FileManager.contents` goes through `Data`,
/// which costs a second 16 MiB copy (and its page faults) per segment on the archiving path.
package enum WALFileContents {
    /// The bytes of the file at `path` and its identity, which did not change during the read
    /// (PostgreSQL recycles segment files by renaming them); nil when it cannot be read whole
    /// or changed meanwhile.
    package static func read(path: String) -> (bytes: [UInt8], identity: WALFileIdentity)? {
        guard let before = WALFileIdentity(path: path) else { return nil }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let size = Int(before.size)
        var complete = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let result = Glibc.read(descriptor, buffer.baseAddress! + count, size - count)
                if result < 0, errno == EINTR { continue }
                guard result > 0 else { return }
                count += result
            }
            complete = true
        }
        guard complete, WALFileIdentity(path: path) == before else { return nil }
        return (bytes, before)
    }
}
