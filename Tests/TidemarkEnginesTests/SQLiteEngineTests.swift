import CSQLite
import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// The SQLite engine on real files, driven the way Control drives it: dump into bytes, restore
/// those bytes into a new file, compare with the `sqlite3` tool.
@Suite struct SQLiteEngineTests {
    /// The shapes that go wrong: WITHOUT ROWID, FTS5, a trigger, a view, BLOBs, an index.
    static let awkwardSchema = """
        PRAGMA journal_mode=WAL;
        CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE notes (id INTEGER PRIMARY KEY, author INTEGER REFERENCES authors(id), body TEXT, picture BLOB, score REAL, at TEXT);
        CREATE INDEX notes_author ON notes(author);
        CREATE TABLE tags (note INTEGER, tag TEXT, PRIMARY KEY (note, tag)) WITHOUT ROWID;
        CREATE VIRTUAL TABLE search USING fts5(body);
        CREATE TABLE audit (note INTEGER, at TEXT);
        CREATE TRIGGER notes_audit AFTER INSERT ON notes BEGIN INSERT INTO audit VALUES (new.id, 'inserted'); END;
        CREATE VIEW busy_authors AS SELECT author, count(*) AS n FROM notes GROUP BY author;
        INSERT INTO authors(name) VALUES ('ada'), ('grace'), ('émile 🐘');
        INSERT INTO notes(author, body, picture, score, at)
            SELECT 1 + value % 3, 'note ' || value || ' with ''quotes'' and a
        newline', randomblob(200 + value % 50), value / 7.0, datetime(1700000000 + value, 'unixepoch') FROM generate_series(1, 3000);
        INSERT INTO tags SELECT id, 'tag' || (id % 5) FROM notes;
        INSERT INTO search SELECT body FROM notes WHERE id % 10 = 0;
        """

    let engine = SQLiteEngine(workDirectory: NSTemporaryDirectory() + "tidemark-sqlite-engine-tests")


    func target(_ path: String) -> DatabaseTarget { DatabaseTarget(connection: .file(path: path), password: nil) }

    /// Dumps `path` into memory and restores it into `restored`, in chunks of `chunk` bytes.
    func roundTrip(_ path: String, into restored: String, chunk: Int = 10_000) async throws -> (DumpSummary, [UInt8]) {
        var bytes: [UInt8] = []
        let summary = try await engine.dump(target(path), into: { bytes.append(contentsOf: $0) }, progress: { _, _ in })
        let plan = try engine.planRestore(.everything, objects: summary.objects, options: RestoreOptions())
        var offset = 0
        let all = bytes
        try await engine.restore(plan, server: target(path), newDatabase: restored) {
            guard offset < all.count else { return nil }
            defer { offset += chunk }
            return Array(all[offset..<min(all.count, offset + chunk)])
        }
        return (summary, bytes)
    }

    @Test("a round trip keeps every shape: the restored file dumps the same, passes integrity_check, and the manifest's counts are exact")
    func roundTripKeepsEverything() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/notes.db"
            _ = try await sqlite3(path, Self.awkwardSchema)
            #expect(try await engine.dumpLayout(of: target(path)) == .fixedBlocks(4096))
            let (summary, bytes) = try await roundTrip(path, into: "\(directory)/restored.db")
            #expect(Array(bytes.prefix(16)) == Array("SQLite format 3\u{0}".utf8))
            #expect(bytes.count % 4096 == 0)
            #expect(summary.format == "sqlite-file")
            #expect(summary.serverVersion.hasPrefix("SQLite 3."))
            #expect(try await sqlite3(path, ".dump") == (try await sqlite3("\(directory)/restored.db", ".dump")))
            #expect(try await sqlite3("\(directory)/restored.db", "PRAGMA integrity_check") == "ok")
            #expect(try await sqlite3("\(directory)/restored.db", "SELECT count(*) FROM search WHERE search MATCH 'quotes'") == "300")
            let tables = Dictionary(uniqueKeysWithValues: summary.databases[0].tables.map { ($0.name, $0) })
            for name in ["authors", "notes", "tags", "audit", "search"] {
                #expect(tables[name]?.rows == Int64(try await sqlite3(path, "SELECT count(*) FROM \(name)")), "\(name)")
            }
            #expect(tables["notes"]?.rows == 3000 && tables["audit"]?.rows == 3000)
            #expect((tables["notes"]?.bytes ?? 0) > 3000 * 200)
            #expect(tables["busy_authors"] == nil, "views are not tables")
        }
    }

    @Test("a backup while a writer commits balanced pairs is one snapshot: the copy balances, its counts match, the writer was never stopped", arguments: ["WAL", "DELETE"])
    func consistentWhileWriting(journalMode: String) async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/ledger.db"
            _ = try await sqlite3(path, "PRAGMA journal_mode=\(journalMode); CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL, filler BLOB);")
            // Each transaction moves an amount out and back in: any consistent snapshot sums to 0.
            let writer = BalancedWriter(path: path)
            writer.start()
            defer { writer.stop() }
            // Backed up once the writer is well under way, and while it keeps going.
            var started = false
            for _ in 0..<1_000 where !started {
                started = writer.committed > 1_000
                if !started { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(started, "the writer never got going")
            let (summary, _) = try await roundTrip(path, into: "\(directory)/restored.db")
            let committedAfterBackup = writer.committed
            try await Task.sleep(for: .milliseconds(50))
            writer.stop()
            #expect(writer.failure == nil, "\(writer.failure ?? "")")
            #expect(writer.committed > committedAfterBackup, "the writer was held up by the backup")
            let restored = "\(directory)/restored.db"
            #expect(try await sqlite3(restored, "PRAGMA integrity_check") == "ok")
            #expect(try await sqlite3(restored, "SELECT coalesce(sum(amount), 0) FROM ledger") == "0")
            let copied = Int64(try await sqlite3(restored, "SELECT count(*) FROM ledger")) ?? -1
            #expect(copied % 2 == 0)
            #expect(summary.databases[0].tables.first { $0.name == "ledger" }?.rows == copied)
            // Taken while the writer wrote: the source went on past the snapshot.
            #expect(copied > 2_000 && copied / 2 <= Int64(committedAfterBackup))
            #expect(Int64(try await sqlite3(path, "SELECT count(*) FROM ledger")) == Int64(writer.committed) * 2)
        }
    }

    @Test("a missing file, a file that is no database, a target that exists, a relative target and a damaged stream are refused clearly")
    func errors() async throws {
        try await withTemporaryDirectory { directory in
            let missing = await #expect(throws: EngineError.self) { _ = try await engine.serverVersion(of: target("\(directory)/nope.db")) }
            #expect(missing?.kind == .databaseNotFound)
            try "just text, not a database\n".write(toFile: "\(directory)/text.db", atomically: true, encoding: .utf8)
            let text = await #expect(throws: EngineError.self) { _ = try await engine.serverVersion(of: target("\(directory)/text.db")) }
            #expect(text?.kind == .notADatabase)
            let textDump = await #expect(throws: EngineError.self) { _ = try await engine.dump(target("\(directory)/text.db"), into: { _ in }, progress: { _, _ in }) }
            #expect(textDump?.kind == .notADatabase)

            #expect(throws: (any Error).self) { try engine.checkRestoreTargetName("relative.db") }
            #expect(throws: (any Error).self) { try engine.checkRestoreTargetName("\(directory)/no-such-dir/x.db") }
            try engine.checkRestoreTargetName("\(directory)/fine.db")

            let path = "\(directory)/notes.db"
            _ = try await sqlite3(path, "CREATE TABLE t (x); INSERT INTO t SELECT randomblob(3000) FROM generate_series(1, 50);")
            try "keep me".write(toFile: "\(directory)/taken.db", atomically: true, encoding: .utf8)
            let taken = await #expect(throws: EngineError.self) { _ = try await roundTrip(path, into: "\(directory)/taken.db") }
            #expect(taken?.kind == .restoreFailed)
            #expect(try String(contentsOfFile: "\(directory)/taken.db", encoding: .utf8) == "keep me")

            // A stream whose table root page (page 2) has a broken b-tree header fails the
            // integrity check, and no file is left. (SQLite has no checksums of row contents:
            // that damage is what `backup verify --read-data` finds, by the chunk hashes.)
            var bytes: [UInt8] = []
            _ = try await engine.dump(target(path), into: { bytes.append(contentsOf: $0) }, progress: { _, _ in })
            for index in 4096..<4096 + 12 { bytes[index] = 0xFF }
            var sent = false
            let damaged = bytes
            await #expect(throws: (any Error).self) {
                try await engine.restore(RestorePlan(scope: .everything, objectIDs: nil, skipped: []), server: target(path), newDatabase: "\(directory)/damaged.db") {
                    defer { sent = true }
                    return sent ? nil : damaged
                }
            }
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/damaged.db"))
            #expect(throws: EngineError.self) { try engine.planRestore(.table(schema: "main", name: "t"), objects: [], options: RestoreOptions()) }
        }
    }

    @Test("the staging file sits beside the target, and publishing it never replaces a file")
    func publishing() async throws {
        try await withTemporaryDirectory { directory in
            let staging = engine.stagingName(for: "\(directory)/new.db", operationID: "op1")
            #expect(staging == "\(directory)/.tidemark-restore-op1.db")
            try "staged".write(toFile: staging, atomically: true, encoding: .utf8)
            try "there".write(toFile: "\(directory)/there.db", atomically: true, encoding: .utf8)
            await #expect(throws: EngineError.self) { try await engine.renameDatabase(staging, to: "\(directory)/there.db", on: target(staging)) }
            #expect(try String(contentsOfFile: "\(directory)/there.db", encoding: .utf8) == "there")
            try await engine.renameDatabase(staging, to: "\(directory)/new.db", on: target(staging))
            #expect(try String(contentsOfFile: "\(directory)/new.db", encoding: .utf8) == "staged")
            #expect(!FileManager.default.fileExists(atPath: staging))
        }
    }
}

/// A writer on its own thread committing pairs of rows that cancel out (`+k`, `-k`) until
/// stopped, counting its commits: the load a consistent backup must see whole transactions of.
final class BalancedWriter: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var commits = 0
    private var stopping = false
    private var error: String?
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    init(path: String) { self.path = path }

    var committed: Int { lock.withLock { commits } }
    var failure: String? { lock.withLock { error } }

    func start() {
        let thread = Thread { [self] in
            defer { done.signal() }
            var handle: OpaquePointer?
            guard sqlite3_open(path, &handle) == SQLITE_OK else {
                lock.withLock { error = "open failed" }
                return
            }
            defer { sqlite3_close(handle) }
            sqlite3_busy_timeout(handle, 30_000)
            sqlite3_exec(handle, "PRAGMA synchronous=OFF", nil, nil, nil)
            var step = 0
            while !lock.withLock({ stopping }) {
                step += 1
                let sql = "BEGIN; INSERT INTO ledger(amount, filler) VALUES (\(step), randomblob(64)); INSERT INTO ledger(amount, filler) VALUES (-\(step), randomblob(64)); COMMIT;"
                guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
                    let message = String(cString: sqlite3_errmsg(handle))
                    lock.withLock { error = message }
                    return
                }
                lock.withLock { commits += 1 }
            }
        }
        self.thread = thread
        thread.start()
    }

    /// Stops the writer and waits for its last commit.
    func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            defer { stopping = true }
            return !stopping && thread != nil
        }
        if wasRunning { done.wait() }
    }
}
