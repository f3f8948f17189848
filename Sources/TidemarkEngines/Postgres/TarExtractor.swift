package import Foundation
import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a base backup's tar stream into a directory as it arrives: no `tar` process and no
/// pipe between, so each byte is copied once from the repository's reader to the file.
///
/// Only what `pg_basebackup -Ft` writes is accepted: directories and regular files under
/// relative paths without `..`. Anything else (a symbolic link, an absolute path, a device) is
/// refused, so a crafted archive cannot write outside the directory. Files are created with
/// `O_EXCL | O_NOFOLLOW` and, when Tidemark runs as root, given to the instance's user.
package struct TarExtractor {
    private let root: String
    private let owner: (uid: uid_t, gid: gid_t)?
    private var reader = TarReader()
    /// The file being written.
    private var descriptor: Int32?
    package private(set) var files = 0

    /// - Parameter owner: who the files belong to (nil: the current user).
    package init(root: String, owner: (uid: uid_t, gid: gid_t)?) {
        self.root = root
        self.owner = owner
    }

    /// Writes the next bytes of the archive.
    package mutating func consume(_ buffer: [UInt8]) throws {
        // The reader is moved out while it calls back, so the callback may change `self`.
        var reader = self.reader
        defer { self.reader = reader }
        do {
            try reader.feed(buffer[...]) { event in try handle(event) }
        } catch is TarReader.MalformedArchive {
            throw Self.refused("a block that is not a tar header")
        }
    }

    /// Checks that the archive ended properly.
    /// - Throws: `restore-failed` when the stream stopped inside a member or before the end marker.
    package mutating func finish() throws {
        guard reader.isFinished else {
            abandon()
            throw EngineError(.restoreFailed, "the base backup stream ended before the end of its tar archive")
        }
    }

    /// Closes the file being written, if any (after a failure).
    package mutating func abandon() {
        if let descriptor { close(descriptor) }
        descriptor = nil
    }

    private mutating func handle(_ event: TarReader.Event) throws {
        switch event {
        case .member(let header):
            descriptor = try start(header)
        case .data(let bytes):
            if let descriptor { try Self.write(bytes, to: descriptor) }
        case .memberEnd:
            abandon()
        case .end:
            break
        }
    }

    /// Creates the member; returns the descriptor to write a file's data to.
    private mutating func start(_ header: TarHeader) throws -> Int32? {
        let path = try safePath(header.path)
        if header.isDirectory {
            if mkdir(path, mode_t(header.mode & 0o777 | 0o700)) != 0 && errno != EEXIST {
                throw EngineError(.restoreFailed, "cannot create directory \(path) (errno \(errno))")
            }
            try own(path)
            return nil
        }
        guard header.isRegularFile else {
            throw Self.refused("member \(header.path) of type '\(Character(UnicodeScalar(header.type)))' (only directories and regular files are restored; tablespaces are not supported)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(header.mode & 0o777))
        guard descriptor >= 0 else { throw EngineError(.restoreFailed, "cannot create \(path) (errno \(errno))") }
        if let owner, fchown(descriptor, owner.uid, owner.gid) != 0 {
            close(descriptor)
            throw EngineError(.restoreFailed, "cannot give \(path) to the instance's user (errno \(errno))")
        }
        files += 1
        return descriptor
    }

    /// `root/relative`, refusing paths that could leave `root`.
    private func safePath(_ relative: String) throws -> String {
        var trimmed = relative
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0.isEmpty }) else {
            throw Self.refused("the path '\(relative)'")
        }
        return "\(root)/\(trimmed)"
    }

    private func own(_ path: String) throws {
        guard let owner else { return }
        guard lchown(path, owner.uid, owner.gid) == 0 else {
            throw EngineError(.restoreFailed, "cannot give \(path) to the instance's user (errno \(errno))")
        }
    }

    private static func write(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) throws {
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw EngineError(.restoreFailed, "cannot write a restored file (errno \(errno))", hint: "Check the free space where the instance's data directory lives.")
                }
                offset += written
            }
        }
    }

    private static func refused(_ what: String) -> EngineError {
        EngineError(.archiveUnreadable, "the base backup holds \(what); nothing outside the data directory is written", hint: "Run 'tidemark backup verify ID --read-data'; the backup may be damaged.")
    }
}
