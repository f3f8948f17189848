import Foundation
import NIOPosix
package import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// An `ObjectStore` in a directory of this machine: one file per object.
///
/// Puts write a temporary file in the same directory, fsync it and rename it into place, so
/// a crash leaves either the old state or the whole object (rename is atomic on POSIX file
/// systems). Keys are validated so that nothing can be read or written outside `root`
/// (SPEC §7: "local storage refuses paths outside its root").
package struct LocalDirectoryObjectStore: ObjectStore {
    package let root: String

    /// - Parameter root: an absolute directory path; it must exist.
    package init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    package var location: String { "local:\(root)" }

    /// Creates `root` if needed and checks that files can be created in it.
    /// - Throws: `StorageError` `storage-not-writable` or `storage-full`.
    package func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw StorageError(
                .notWritable,
                "cannot create the storage directory \(root)",
                hint: "Create it yourself or choose a directory this user can write to.",
                underlying: "\(error)"
            )
        }
        let probe = "\(root)/.tidemark-write-test-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw posixError(errno, path: root, writing: true) }
        close(fd)
        unlink(probe)
    }

    package func put(_ bytes: [UInt8], at key: String) async throws {
        try await blocking { try putNow(bytes, at: key) }
    }

    package func get(_ key: String) async throws -> [UInt8] {
        try await blocking {
            guard let size = try sizeNow(of: key) else {
                throw StorageError(.notFound, "object \(key) does not exist in \(location)")
            }
            return try getNow(key, range: 0..<size)
        }
    }

    package func get(_ key: String, range: Range<Int64>) async throws -> [UInt8] {
        try await blocking { try getNow(key, range: range) }
    }

    package func size(of key: String) async throws -> Int64? {
        try await blocking { try sizeNow(of: key) }
    }

    package func delete(_ key: String) async throws {
        try await blocking { try deleteNow(key) }
    }

    package func list(prefix: String) async throws -> [ObjectInfo] {
        try await blocking { try listNow(prefix: prefix) }
    }

    /// Runs a file system call on NIO's blocking pool: reads, writes, fsync and directory walks
    /// block their thread, which must not be one of Swift's cooperative threads (on 2 cores a
    /// backup's fsyncs would stall the API).
    private func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    private func putNow(_ bytes: [UInt8], at key: String) throws {
        let path = try path(for: key)
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        // Directories are created only after the existing part of the path is known to stay
        // inside the root: a link `data -> /elsewhere` would otherwise receive them.
        if mkdirs(directory) != 0 { throw posixError(errno, path: directory, writing: true) }
        let temporary = "\(directory)/.tmp-\(getpid())-\(Identifier.make())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw posixError(errno, path: directory, writing: true) }
        var written = 0
        let failure: Int32? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += result
            }
            return fsync(fd) == 0 ? nil : errno
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw posixError(failure, path: path, writing: true)
        }
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw posixError(code, path: path, writing: true)
        }
    }

    private func getNow(_ key: String, range: Range<Int64>) throws -> [UInt8] {
        let path = try path(for: key)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw posixError(errno, path: path, writing: false, key: key) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: range.count)
        var done = 0
        let failure: Int32? = bytes.withUnsafeMutableBytes { buffer in
            while done < buffer.count {
                let result = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(range.lowerBound) + off_t(done))
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if result == 0 { break }
                done += result
            }
            return nil
        }
        if let failure { throw posixError(failure, path: path, writing: false, key: key) }
        if done < bytes.count { bytes.removeLast(bytes.count - done) }
        return bytes
    }

    private func sizeNow(of key: String) throws -> Int64? {
        let path = try path(for: key)
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw posixError(errno, path: path, writing: false, key: key)
        }
        return Int64(info.st_size)
    }

    private func deleteNow(_ key: String) throws {
        let path = try path(for: key)
        if unlink(path) != 0 && errno != ENOENT {
            throw posixError(errno, path: path, writing: true, key: key)
        }
    }

    private func listNow(prefix: String) throws -> [ObjectInfo] {
        // Walk only the directory part of the prefix, so listing `data/` never reads `snapshots/`.
        let directoryPart = prefix.contains("/") ? String(prefix[..<(prefix.lastIndex(of: "/") ?? prefix.startIndex)]) : ""
        let start = directoryPart.isEmpty ? root : try path(for: directoryPart)
        let realRoot = try resolvedRoot()
        var results: [ObjectInfo] = []
        var visited: Set<String> = []
        try walk(start, key: directoryPart, realRoot: realRoot, visited: &visited) { key, size in
            if key.hasPrefix(prefix) { results.append(ObjectInfo(key: key, size: size)) }
        }
        return results.sorted { $0.key < $1.key }
    }

    /// Calls `found` for every regular file below `directory` (whose key is `key`), following
    /// links that stay inside the root exactly as `get` does, and refusing those that leave
    /// it, so listing (verify, GC) and reading (restore) always agree on what exists.
    private func walk(_ directory: String, key: String, realRoot: String, visited: inout Set<String>, _ found: (String, Int64) -> Void) throws {
        guard let real = realpath(directory) else {
            if errno == ENOENT || errno == ENOTDIR { return }
            throw posixError(errno, path: directory, writing: false)
        }
        // A link back up the tree would loop forever.
        guard visited.insert(real).inserted else { return }
        guard let stream = opendir(directory) else {
            if errno == ENOENT || errno == ENOTDIR { return }
            throw posixError(errno, path: directory, writing: false)
        }
        defer { closedir(stream) }
        var entries: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            // Temporary files of puts in progress and dot files are not objects.
            if !name.hasPrefix(".") { entries.append(name) }
        }
        for name in entries {
            let path = "\(directory)/\(name)"
            let childKey = key.isEmpty ? name : "\(key)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFLNK {
                try checkInside(path, key: childKey, realRoot: realRoot)
                guard stat(path, &info) == 0 else { continue }
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: try walk(path, key: childKey, realRoot: realRoot, visited: &visited, found)
            case S_IFREG: found(childKey, Int64(info.st_size))
            default: continue
            }
        }
    }

    /// The real path of `root`, through any links (the root itself may be one, e.g. a mount).
    private func resolvedRoot() throws -> String {
        guard let real = realpath(root) else { throw posixError(errno, path: root, writing: false) }
        return real
    }

    /// Refuses `path` (of `key`) when its existing part resolves outside the root.
    private func checkInside(_ path: String, key: String, realRoot: String) throws {
        var existing = path
        var resolved = realpath(existing)
        while resolved == nil, errno == ENOENT || errno == ENOTDIR {
            var info = stat()
            if lstat(existing, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
                // A dangling link: where it points is outside anything we can check.
                throw outsideRoot(key: key, target: Self.linkTarget(existing) ?? "a missing target")
            }
            guard let slash = existing.lastIndex(of: "/"), slash > existing.startIndex else { return }
            existing = String(existing[..<slash])
            resolved = realpath(existing)
        }
        guard let resolved else { throw posixError(errno, path: existing, writing: false, key: key) }
        guard resolved == realRoot || resolved.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") else {
            throw outsideRoot(key: key, target: resolved)
        }
    }

    private func outsideRoot(key: String, target: String) -> StorageError {
        StorageError(
            .pathOutsideRoot,
            "object \(key) in \(location) leads through a symbolic link to \(target), outside the storage directory",
            hint: "Local storage reads and writes only inside its directory: replace the link with a real directory, or register the storage at the link's target."
        )
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func realpath(_ path: String) -> String? {
        guard let pointer = Glibc.realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// The file path of `key`, refusing keys that could leave `root` (`..`, absolute) and
    /// keys whose existing part leads through a symbolic link out of it (SPEC §7).
    private func path(for key: String) throws -> String {
        guard ObjectKeyRule.isValid(key) else {
            throw StorageError(
                .pathOutsideRoot, "object key '\(key)' is not a plain relative path inside \(root)",
                hint: "Keys are relative paths of letters, digits, '.', '-' and '_' without '..'."
            )
        }
        let path = "\(root)/\(key)"
        try checkInside(path, key: key, realRoot: try resolvedRoot())
        return path
    }

    private func mkdirs(_ directory: String) -> Int32 {
        var info = stat()
        if stat(directory, &info) == 0 { return 0 }
        let parent = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        if !parent.isEmpty && parent != directory {
            let result = mkdirs(parent)
            if result != 0 { return result }
        }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { return -1 }
        return 0
    }

    private func posixError(_ code: Int32, path: String, writing: Bool, key: String? = nil) -> StorageError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT where key != nil:
            return StorageError(.notFound, "object \(key ?? "") does not exist in \(location)")
        case ENOENT:
            return StorageError(.directoryMissing, "the storage directory \(root) does not exist", hint: "Create it, or check that the volume is mounted.")
        case ENOSPC, EDQUOT:
            return StorageError(.diskFull, "no space left on the device holding \(root) while writing \(path)", hint: "Free space or purge old backups ('tidemark backup purge'), then retry.")
        case EACCES, EPERM, EROFS:
            return StorageError(
                writing ? .notWritable : .notReadable,
                "the storage directory \(root) is not \(writing ? "writable" : "readable") by this user (\(reason))",
                hint: "Fix the directory's permissions or run Tidemark as a user that can \(writing ? "write" : "read") it."
            )
        default:
            return StorageError(.ioError, "\(writing ? "writing" : "reading") \(path) failed: \(reason)", hint: "Check the device and retry.")
        }
    }
}
