import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// SQLite databases through the real binary (issue 18): register a file, back it up on the
/// same plans as a server, see its tables with exact rows, restore into a new file, export a
/// plain SQLite file, deduplicate the second backup at page granularity, and back up Tidemark's
/// own catalog.
@Suite struct SQLiteEndToEndTests {

    func object(_ result: CLIResult) throws -> [String: Any] { try cliObject(result) }

    @Test("db add, backup, show with exact rows, restore into a new file, refusals, export, a second backup that stores the changed pages only, and the catalog itself")
    func lifeCycle() async throws {
        try await withTemporaryDirectory { directory in
            let home = "\(directory)/home"
            let cli = TidemarkBinary(home: home)
            let app = "\(directory)/app"
            try FileManager.default.createDirectory(atPath: app, withIntermediateDirectories: true)
            let path = "\(app)/notes.db"
            // About 7 MB: notes with text and a random-key index (its writes scatter), in WAL mode.
            _ = try await sqlite3(path, """
                PRAGMA journal_mode=WAL;
                CREATE TABLE notes (id INTEGER PRIMARY KEY, key TEXT, body TEXT, picture BLOB, at TEXT);
                CREATE INDEX notes_key ON notes(key);
                CREATE TABLE tags (note INTEGER, tag TEXT, PRIMARY KEY (note, tag)) WITHOUT ROWID;
                CREATE VIEW tagged AS SELECT note, count(*) FROM tags GROUP BY note;
                CREATE TRIGGER stamp AFTER UPDATE ON notes BEGIN UPDATE notes SET at = 'changed' WHERE id = new.id AND at IS NOT 'changed'; END;
                INSERT INTO notes(key, body, picture, at) SELECT hex(randomblob(8)), 'note ' || value || ' ' || hex(randomblob(40)), randomblob(100), datetime(1700000000 + value, 'unixepoch') FROM generate_series(1, 30000);
                INSERT INTO tags SELECT id, 't' || (id % 7) FROM notes WHERE id % 3 = 0;
                """)
            _ = try object(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo", "--output", "json"]))

            // Refusals before anything is registered: no file, not a database, not absolute.
            let missing = try await cli.run(["db", "add", "gone", "--engine", "sqlite", "--url", "sqlite://\(app)/gone.db"])
            #expect(missing.exitCode == 3 && missing.standardError.contains("does not exist"), "\(missing.standardError)")
            try "plain text".write(toFile: "\(app)/text.db", atomically: true, encoding: .utf8)
            let text = try await cli.run(["db", "add", "text", "--engine", "sqlite", "--url", "sqlite://\(app)/text.db"])
            #expect(text.exitCode == 2 && text.standardError.contains("is not a SQLite database"), "\(text.standardError)")
            let relative = try await cli.run(["db", "add", "rel", "--engine", "sqlite", "--url", "sqlite://notes.db"])
            #expect(relative.exitCode == 2 && relative.standardError.contains("not absolute"), "\(relative.standardError)")
            let physical = try await cli.run(["db", "add", "phys", "--engine", "sqlite", "--url", "sqlite://\(path)", "--method", "physical"])
            #expect(physical.exitCode == 2 && physical.standardError.contains("no physical backups"), "\(physical.standardError)")
            #expect((try await cli.run(["db", "list", "--output", "json"]).json() as? [Any])?.isEmpty == true)

            let added = try object(try await cli.run(["db", "add", "notes", "--engine", "sqlite", "--url", "sqlite://\(path)", "--output", "json"]))
            #expect(added["url"] as? String == "sqlite://\(path)")
            #expect(added["engine"] as? String == "sqlite")

            let first = try object(try await cli.run(["backup", "create", "notes", "--output", "json"]))
            let firstID = try #require(first["id"] as? String)
            let shown = try object(try await cli.run(["backup", "show", firstID, "--output", "json"]))
            let tables = try #require(((shown["databases"] as? [[String: Any]])?.first?["tables"] as? [[String: Any]]))
            let rows = Dictionary(uniqueKeysWithValues: tables.compactMap { table in (table["name"] as? String).map { ($0, table["rows"] as? Int ?? -1) } })
            #expect(rows["notes"] == 30000 && rows["tags"] == 10000, "\(rows)")
            #expect(rows["tagged"] == nil)
            #expect(tables.allSatisfy { $0["rowsAreEstimates"] as? Bool != true })
            #expect(try await cli.run(["backup", "verify", firstID, "--read-data"]).exitCode == 0)
            // A restore test: a hidden scratch file beside the source, compared by table and count, removed.
            let tested = try await cli.run(["backup", "test", firstID])
            #expect(tested.exitCode == 0 && tested.standardOutput.contains("tables as recorded"), "\(tested.standardOutput) \(tested.standardError)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent).filter { $0.hasPrefix(".tidemark-test") }.isEmpty)

            // Restore into a new file: the same dump, integrity ok; an existing file is refused.
            let restored = "\(directory)/restored.db"
            let restore = try await cli.run(["restore", firstID, "--to", restored])
            #expect(restore.exitCode == 0, "\(restore.standardError)")
            #expect(try await sqlite3(restored, ".dump") == (try await sqlite3(path, ".dump")))
            #expect(try await sqlite3(restored, "PRAGMA integrity_check") == "ok")
            let again = try await cli.run(["restore", firstID, "--to", restored])
            #expect(again.exitCode == 4 && again.standardError.contains("already exists"), "\(again.standardError)")
            let table = try await cli.run(["restore", firstID, "--to", "\(directory)/one.db", "--table", "notes"])
            #expect(table.exitCode == 2, "\(table.standardError)")
            let nowhere = try await cli.run(["restore", firstID, "--to", "\(directory)/no/such/dir.db"])
            #expect(nowhere.exitCode == 2, "\(nowhere.standardError)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".tidemark-restore") }
            #expect(leftovers.isEmpty)

            // Export: a plain SQLite file sqlite3 reads.
            let exported = "\(directory)/export.db"
            let export = try await cli.run(["backup", "export", firstID, "--out", exported])
            #expect(export.exitCode == 0 && export.standardOutput.contains("sqlite3 \(exported)"), "\(export.standardError)")
            #expect(try await sqlite3(exported, "SELECT count(*) FROM notes") == "30000")

            // A realistic change: 3,000 new rows, 3,000 recent rows updated, 20 deleted. The
            // second backup stores about the changed pages (fixed blocks of the page size).
            _ = try await sqlite3(path, """
                INSERT INTO notes(key, body, picture, at) SELECT hex(randomblob(8)), 'new ' || value, randomblob(100), 'now' FROM generate_series(1, 3000);
                UPDATE notes SET body = body || ' edited' WHERE id > 27000 AND id <= 30000;
                DELETE FROM notes WHERE id % 1500 = 7;
                """)
            let second = try object(try await cli.run(["backup", "create", "notes", "--output", "json"]))
            let firstStored = try #require(first["storedBytes"] as? Int)
            let secondStored = try #require(second["storedBytes"] as? Int)
            #expect(Double(secondStored) <= 0.25 * Double(firstStored), "second backup stored \(secondStored) of \(firstStored) bytes")

            // Tidemark's own catalog is a SQLite database like any other.
            _ = try object(try await cli.run(["db", "add", "catalog", "--engine", "sqlite", "--url", "sqlite://\(home)/catalog.sqlite", "--output", "json"]))
            let catalogBackup = try object(try await cli.run(["backup", "create", "catalog", "--output", "json"]))
            let catalogID = try #require(catalogBackup["id"] as? String)
            let catalogCopy = "\(directory)/catalog-copy.sqlite"
            #expect(try await cli.run(["restore", catalogID, "--to", catalogCopy]).exitCode == 0)
            #expect(try await sqlite3(catalogCopy, "SELECT group_concat(name, ',') FROM (SELECT name FROM databases ORDER BY name)") == "catalog,notes")
            #expect(try await sqlite3(catalogCopy, "PRAGMA integrity_check") == "ok")
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(home)/tmp").isEmpty, "staged copies are removed")
        }
    }
}
