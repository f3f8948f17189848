import Foundation
package import TidemarkCore

/// SQLite databases (SPEC §3): a database is one file. A backup is a consistent copy made
/// with the online backup API into a temporary file under Tidemark's home, then streamed in
/// blocks of the database's page size, so unchanged pages deduplicate from one backup to the
/// next (docs/FORMAT.md "Chunking of SQLite files"). A restore writes a new file — never over an
/// existing one — and checks it with `PRAGMA integrity_check` before it gets its name.
package struct SQLiteEngine: DatabaseEngine {
    package let kind = EngineKind.sqlite
    package var capabilities: EngineCapabilities { Self.capabilities }
    /// A whole file: no physical method, no tables restored alone, no point in time.
    package static let capabilities = EngineCapabilities(
        location: .file, physicalBackups: false, tableRestore: false, pointInTimeRecovery: false, managedInstances: false,
        defaultSchema: nil, streamFormat: "sqlite-file", streamExtension: "db"
    )

    /// Where the consistent copies are staged (`<home>/tmp`); created when missing.
    let workDirectory: String
    /// Bytes per read of the copy into the stream (a multiple of every page size).
    let readSize = 1 << 20

    /// - Parameter workDirectory: where backups stage their copy (under Tidemark's home).
    package init(workDirectory: String) {
        self.workDirectory = workDirectory
    }

    package func serverVersion(of target: DatabaseTarget) async throws -> String {
        let path = try Self.path(of: target)
        return try await BlockingWork.run {
            let file = try SQLiteFile(path: path)
            // The first read proves the file is a database.
            _ = try file.value("SELECT count(*) FROM sqlite_schema")
            return "SQLite \(sqliteLibraryVersion)"
        }
    }

    package func databaseExists(_ name: String, on target: DatabaseTarget) async throws -> Bool {
        FileManager.default.fileExists(atPath: name)
    }

    /// Publishes the staged file under `newName` without ever replacing a file there: a hard
    /// link (which fails when the name exists), then the staging name removed.
    package func renameDatabase(_ name: String, to newName: String, on target: DatabaseTarget) async throws {
        guard link(name, newName) == 0 else {
            let reason = String(cString: strerror(errno))
            throw EngineError(.restoreFailed, "cannot publish the restored file as \(newName): \(reason)", hint: "Choose a path in a directory Tidemark may write to that does not exist yet.")
        }
        unlink(name)
    }

    package func dropDatabase(_ name: String, on target: DatabaseTarget) async throws {
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(name + suffix) }
    }

    /// An absolute path whose directory exists, so the failure shows before any work.
    package func checkRestoreTargetName(_ name: String) throws {
        guard name.hasPrefix("/"), !name.hasSuffix("/") else {
            throw TidemarkError(code: "invalid-name", message: "restore target '\(name)' is not an absolute file path", hint: "A SQLite backup restores into a new file: give its absolute path, e.g. /var/lib/app/notes-restored.db.", category: .invalidInput)
        }
        let directory = (name as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TidemarkError(code: "invalid-name", message: "the directory \(directory) of restore target \(name) does not exist", hint: "Create the directory first, or choose a path in an existing one.", category: .invalidInput)
        }
    }

    /// A hidden file beside the target, so publishing it is a link within one file system.
    package func stagingName(for newName: String, operationID: String) -> String {
        let directory = (newName as NSString).deletingLastPathComponent
        return "\(directory)/.tidemark-restore-\(operationID).db"
    }

    /// Fixed blocks of the page size — of 16 KiB and up when the file is large, to bound the
    /// index (about a million blocks at most).
    package func dumpLayout(of target: DatabaseTarget) async throws -> DumpLayout {
        let path = try Self.path(of: target)
        let pageSize = try await BlockingWork.run { () throws -> Int in
            let file = try SQLiteFile(path: path)
            return Int(try file.value("PRAGMA page_size") ?? "") ?? 4096
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        return .fixedBlocks(Self.blockSize(pageSize: pageSize, fileSize: size))
    }

    /// `pageSize` doubled until the file has at most about a million blocks (16 KiB past 4 GiB
    /// at 4 KiB pages).
    static func blockSize(pageSize: Int, fileSize: Int64) -> Int {
        var block = max(512, pageSize)
        while fileSize / Int64(block) > 1 << 20 && block < 1 << 20 { block *= 2 }
        return block
    }

    package func dump(
        _ target: DatabaseTarget,
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ tablesDone: Int, _ tablesTotal: Int) -> Void
    ) async throws -> DumpSummary {
        let path = try Self.path(of: target)
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let copyPath = "\(workDirectory)/sqlite-copy-\(UUID().uuidString).db"
        defer { for suffix in ["", "-journal"] { unlink(copyPath + suffix) } }
        try Self.checkFreeSpace(for: path, in: workDirectory)
        let snapshot = try await BlockingWork.run { try SQLiteSnapshot.take(of: path, into: copyPath) }
        progress(0, snapshot.tableNames.count)
        // Counted beside the streaming (dbstat reads every page: about 7% of a backup when
        // run before it); the copy is only read by both.
        let names = snapshot.tableNames
        async let counted = BlockingWork.run { try SQLiteSnapshot.contents(of: copyPath, tables: names) }
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: copyPath))
        defer { try? handle.close() }
        var streamed: Int64 = 0
        while true {
            let readSize = self.readSize
            let block = try await BlockingWork.run { try handle.read(upToCount: readSize) ?? Data() }
            if block.isEmpty { break }
            streamed += Int64(block.count)
            try await sink(Array(block))
        }
        let tables = try await counted
        progress(tables.count, tables.count)
        let name = (path as NSString).lastPathComponent
        return DumpSummary(
            serverVersion: "SQLite \(sqliteLibraryVersion)",
            format: Self.capabilities.streamFormat,
            databases: [DatabaseContents(name: name, bytes: streamed, tables: tables)],
            objects: []
        )
    }

    package func planRestore(_ scope: RestoreScope, objects: [DumpObject], options: RestoreOptions) throws -> RestorePlan {
        guard scope == .everything else {
            throw EngineError(.notSupported, "SQLite backups restore as a whole file", hint: "Restore without --table, then copy the table you need with sqlite3.")
        }
        return RestorePlan(scope: .everything, objectIDs: nil, skipped: [])
    }

    /// Writes the stream into the new file `newDatabase` (never over an existing one), then
    /// checks it with `PRAGMA integrity_check`; removes it again when either fails.
    package func restore(_ plan: RestorePlan, server: DatabaseTarget, newDatabase: String, from source: () async throws -> [UInt8]?) async throws {
        let descriptor = open(newDatabase, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw EngineError(.restoreFailed, "cannot create \(newDatabase): \(reason)", hint: "Choose a path in a directory Tidemark may write to that does not exist yet.")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            // Written a megabyte at a time: one thread hop per 4 KiB block would cost more
            // than the write.
            var buffer: [UInt8] = []
            buffer.reserveCapacity(readSize)
            while let chunk = try await source() {
                buffer.append(contentsOf: chunk)
                if buffer.count >= readSize {
                    let full = buffer
                    buffer.removeAll(keepingCapacity: true)
                    try await BlockingWork.run { try handle.write(contentsOf: full) }
                }
            }
            let rest = buffer
            if !rest.isEmpty { try await BlockingWork.run { try handle.write(contentsOf: rest) } }
            try await BlockingWork.run { try handle.synchronize() }
            try handle.close()
            try await BlockingWork.run { try SQLiteSnapshot.checkIntegrity(of: newDatabase) }
        } catch {
            try? handle.close()
            try? await dropDatabase(newDatabase, on: server)
            throw error
        }
    }

    /// The file path of `target`.
    /// - Throws: `invalid-url` for a server connection.
    static func path(of target: DatabaseTarget) throws -> String {
        guard case .file(let path) = target.connection.location else {
            throw TidemarkError(code: "invalid-url", message: "a SQLite database is a file, not a server", hint: "Register it as sqlite:///ABSOLUTE/PATH.", category: .invalidInput)
        }
        return path
    }

    /// Refuses a copy that would not fit: the copy needs as much as the database and its WAL.
    /// - Throws: `insufficient-space`.
    static func checkFreeSpace(for path: String, in directory: String) throws {
        let fileManager = FileManager.default
        let size = ["", "-wal"].reduce(Int64(0)) { total, suffix in
            total + ((try? fileManager.attributesOfItem(atPath: path + suffix)[.size] as? Int64) ?? 0)
        }
        guard let free = (try? fileManager.attributesOfFileSystem(forPath: directory)[.systemFreeSize] as? Int64) else { return }
        if free < size {
            throw EngineError(
                .insufficientSpace, "the copy of \(path) needs \(size) bytes in \(directory), which has \(free) free",
                hint: "Free space under Tidemark's home, which stages the consistent copy of a SQLite database."
            )
        }
    }
}
