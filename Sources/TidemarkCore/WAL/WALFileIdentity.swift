#if canImport(Glibc)
    import Glibc
#endif

/// Which file on disk a WAL file is: device, inode, size and modification time (ns). PostgreSQL
/// never rewrites a completed segment in place, so two reads with the same identity read the
/// same bytes — what lets `wal-push` skip sending a file `serve` already stored from `pg_wal`
/// (pgBackRest's async archiving trusts its own upload the same way).
package struct WALFileIdentity: Sendable, Hashable {
    package var device: UInt64
    package var inode: UInt64
    package var size: Int64
    package var modifiedNanoseconds: Int64

    package init(device: UInt64, inode: UInt64, size: Int64, modifiedNanoseconds: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
    }

    /// The identity of the file at `path`; nil when it cannot be read.
    package init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        )
    }

    /// As query parameters: `device=…&inode=…&size=…&mtimeNs=…`.
    package var query: String { "device=\(device)&inode=\(inode)&size=\(size)&mtimeNs=\(modifiedNanoseconds)" }
}
