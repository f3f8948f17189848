import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

@Suite struct ErrorTests {
    @Test("every user mistake gets error:, hint: and its stable exit code; nothing is saved or lost")
    func errorMatrix() async throws {
        try await withTemporaryPostgres { postgres in
            try await withTemporaryDirectory { directory in
                try await postgres.execute("CREATE DATABASE shop; CREATE DATABASE taken;")
                try await postgres.execute("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2);", database: "shop")
                let cli = TidemarkBinary(home: "\(directory)/home")
                let connection = postgres.target(database: "shop").connection
                let url = DatabaseURL.render(connection, engine: .postgres, password: postgres.password, revealPassword: true)

                func expectError(_ arguments: [String], exit: Int32, contains text: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws {
                    let result = try await cli.run(arguments, environment: environment)
                    #expect(result.exitCode == exit, "\(arguments): \(result.standardError)", sourceLocation: sourceLocation)
                    #expect(result.standardError.contains("error: \(text)"), "\(arguments): \(result.standardError)", sourceLocation: sourceLocation)
                    #expect(result.standardError.contains("hint: "), "\(arguments): no hint", sourceLocation: sourceLocation)
                    #expect(!result.standardError.contains(postgres.password.revealed), "password leaked", sourceLocation: sourceLocation)
                }

                #expect(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo"]).exitCode == 0)
                try await expectError(["storage", "add", "local1", "--local", "\(directory)/other"], exit: 4, contains: "a storage named local1 already exists")
                try await expectError(["storage", "show", "nope"], exit: 3, contains: "storage nope does not exist")

                // Unreachable database, wrong password, unknown database: nothing is registered.
                var closed = connection
                closed.port = try FreePort.loopback()
                try await expectError(
                    ["db", "add", "down", "--url", DatabaseURL.render(closed, engine: .postgres, password: postgres.password, revealPassword: true)],
                    exit: 6, contains: "cannot reach PostgreSQL at 127.0.0.1:\(closed.port)"
                )
                try await expectError(
                    ["db", "add", "badpw", "--url", DatabaseURL.render(connection, engine: .postgres, password: Secret("wrong-pw"), revealPassword: true)],
                    exit: 5, contains: "PostgreSQL at 127.0.0.1:\(connection.port) rejected the credentials of user postgres"
                )
                try await expectError(["db", "add", "bad", "--url", "postgres://u:p@127.0.0.1:99999/x"], exit: 2, contains: "the database URL port '99999'")
                let noDatabases = try await cli.run(["db", "list", "--output", "json"]).json() as? [Any]
                #expect(noDatabases?.isEmpty == true)

                #expect(try await cli.run(["db", "add", "shop", "--url", url]).exitCode == 0)
                try await expectError(["db", "add", "shop", "--url", url], exit: 4, contains: "a database named shop already exists")
                try await expectError(["backup", "create", "nope"], exit: 3, contains: "database nope is not registered")

                let id = try #require((try await cli.run(["backup", "create", "shop", "--output", "json"]).json() as? [String: Any])?["id"] as? String)
                try await expectError(["backup", "show", "000000000000"], exit: 3, contains: "backup 000000000000 does not exist")
                try await expectError(["restore", "000000000000", "--to", "x"], exit: 3, contains: "backup 000000000000 does not exist")
                try await expectError(["op", "show", "000000000000"], exit: 3, contains: "operation 000000000000 does not exist")
                try await expectError(["restore", id, "--to", "taken"], exit: 4, contains: "database taken already exists on 127.0.0.1:\(connection.port)")
                try await expectError(["restore", id, "--to", "shop"], exit: 4, contains: "database shop already exists")
                try await expectError(["restore", id, "--to", "bad name"], exit: 2, contains: "restore target name 'bad name' is not valid")
                try await expectError(["restore", id, "--to", "fresh", "--table", "public.missing"], exit: 3, contains: "table public.missing is not in this backup")
                try await expectError(["backup", "verify", id], exit: 5, contains: "the passphrase does not open the repository", environment: ["TIDEMARK_PASSPHRASE": "wrong passphrase"])
                try await expectError(["backup", "create", "shop"], exit: 5, contains: "the passphrase does not open the repository", environment: ["TIDEMARK_PASSPHRASE": "wrong passphrase"])

                // The source was never touched and the refused restores created nothing.
                #expect(try await postgres.execute("SELECT count(*) FROM t;", database: "shop").contains("2"))
                #expect(try await postgres.execute("SELECT count(*) FROM pg_database WHERE datname IN ('x','fresh');").contains("0"))
                // The failed backup attempt with a wrong passphrase is recorded, not shown as completed.
                let completed = try await cli.run(["backup", "list", "--status", "completed", "--output", "json"])
                #expect((try completed.json() as? [[String: Any]])?.count == 1)
            }
        }
    }

    @Test("a corrupted pack makes verify --read-data exit 8 naming the object")
    func corruptionDetected() async throws {
        try await withShop { shop in
            let (postgres, cli, directory) = (shop.postgres, shop.cli, shop.directory)
            try await shop.register()
            let id = try await shop.backup()
            let packs = try FileManager.default.subpathsOfDirectory(atPath: "\(directory)/repo/data").filter { $0.count > 60 }
            let pack = try #require(packs.first)
            let path = "\(directory)/repo/data/\(pack)"
            var bytes = try #require(FileManager.default.contents(atPath: path))
            bytes[bytes.count / 2] ^= 0x55
            try bytes.write(to: URL(fileURLWithPath: path))

            let result = try await cli.run(["backup", "verify", id, "--read-data"])
            #expect(result.exitCode == 8)
            #expect(result.standardError.contains("error: backup \(id) is damaged"))
            #expect(result.standardError.contains("data/\(pack)"))
            let restore = try await cli.run(["restore", id, "--to", "from_corrupt"])
            #expect(restore.exitCode == 8, "\(restore.standardError)")
            #expect(try await postgres.execute("SELECT count(*) FROM pg_database WHERE datname = 'from_corrupt';").contains("0"))
        }
    }

    @Test("a storage directory that fills up fails the backup with storage-full; no backup is shown completed")
    func diskFull() async throws {
        try await withShop { shop in
            let (postgres, directory) = (shop.postgres, shop.directory)
            let url = DatabaseURL.render(postgres.target(database: "shop").connection, engine: .postgres, password: postgres.password, revealPassword: true)
            let cli = TidemarkBinary(home: "\(directory)/home")
            let ran = try await withSmallFilesystem(kilobytes: 300) { small in
                #expect(try await cli.run(["storage", "add", "small", "--local", small]).exitCode == 0)
                _ = try await cli.run(["db", "add", "shop", "--url", url])
                let result = try await cli.run(["backup", "create", "shop"])
                #expect(result.exitCode == 7, "\(result.standardError)")
                #expect(result.standardError.contains("error: no space left on the device holding \(small)"))
                let listed = try await cli.run(["backup", "list", "--output", "json"])
                let statuses = (try listed.json() as? [[String: Any]])?.compactMap { $0["status"] as? String }
                #expect(statuses == ["failed"])
                return true
            }
            if ran == nil { print("skipped: mounting a tmpfs needs root") }
        }
    }

    @Test("a read-only storage directory is refused at storage add with storage-not-writable")
    func notWritable() async throws {
        try await withTemporaryDirectory { directory in
            let cli = TidemarkBinary(home: "\(directory)/home")
            let ran = try await withSmallFilesystem(kilobytes: 64, readOnly: true) { readOnly in
                let result = try await cli.run(["storage", "add", "ro", "--local", readOnly])
                #expect(result.exitCode == 7)
                #expect(result.standardError.contains("error: the storage directory \(readOnly) is not writable"))
                let storages = try await cli.run(["storage", "list", "--output", "json"]).json() as? [Any]
                #expect(storages?.isEmpty == true)
                return true
            }
            if ran == nil { print("skipped: mounting a tmpfs needs root") }
        }
    }
}
