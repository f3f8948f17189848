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
    private enum Phase {
        case header(padding: Int)
        case data(remaining: Int64, size: Int64, descriptor: Int32)
        case done
    }

    private let root: String
    private let owner: (uid: uid_t, gid: gid_t)?
    private var phase: Phase = .header(padding: 0)
    private var pending: [UInt8] = []
    package private(set) var files = 0

    /// - Parameter owner: who the files belong to (nil: the current user).
    package init(root: String, owner: (uid: uid_t, gid: gid_t)?) {
        self.root = root
        self.owner = owner
    }

    /// Writes the next bytes of the archive.
    package mutating func consume(_ buffer: [UInt8]) throws {
        var slice = buffer[...]
        while !slice.isEmpty {
            switch phase {
            case .done:
                return
            case .header(let padding):
                let wanted = padding + TarHeader.blockSize - pending.count
                pending.append(contentsOf: slice.prefix(wanted))
                slice = slice.dropFirst(wanted)
                guard pending.count == padding + TarHeader.blockSize else { continue }
                let block = pending[padding...]
                defer { pending.removeAll(keepingCapacity: true) }
                if TarHeader.isEndMarker(block) {
                    phase = .done
                    continue
                }
                guard let header = TarHeader(block) else { throw Self.refused("a block that is not a tar header") }
                phase = try start(header)
            case .data(let remaining, let size, let descriptor):
                let taken = slice.prefix(Int(min(Int64(slice.count), remaining)))
                slice = slice.dropFirst(taken.count)
                try Self.write(taken, to: descriptor)
                let left = remaining - Int64(taken.count)
                if left == 0 {
                    close(descriptor)
                    phase = .header(padding: TarHeader.padding(after: size))
                } else {
                    phase = .data(remaining: left, size: size, descriptor: descriptor)
                }
            }
        }
    }

    /// Checks that the archive ended properly.
    /// - Throws: `restore-failed` when the stream stopped inside a member or before the end marker.
    package mutating func finish() throws {
        guard case .done = phase else {
            abandon()
            throw EngineError(.restoreFailed, "the base backup stream ended before the end of its tar archive")
        }
    }

    /// Closes the file being written, if any (after a failure).
    package mutating func abandon() {
        if case .data(_, _, let descriptor) = phase { close(descriptor) }
        phase = .done
    }

    private mutating func start(_ header: TarHeader) throws -> Phase {
        let path = try safePath(header.path)
        if header.isDirectory {
            if mkdir(path, mode_t(header.mode & 0o777 | 0o700)) != 0 && errno != EEXIST {
                throw EngineError(.restoreFailed, "cannot create directory \(path) (errno \(errno))")
            }
            try own(path)
            return .header(padding: 0)
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
        if header.size == 0 {
            close(descriptor)
            return .header(padding: 0)
        }
        return .data(remaining: header.size, size: header.size, descriptor: descriptor)
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
