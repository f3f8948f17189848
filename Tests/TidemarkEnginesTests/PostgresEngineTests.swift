import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

@Suite struct PostgresEngineTests {
    let engine = PostgresEngine(runner: SubprocessRunner(), tools: PostgresTools.discover())

    @Test("the dump is measured while it streams: exact rows and bytes per table, even with newlines in values")
    func measuresDump() async throws {
        try await withTemporaryPostgres { postgres in
            try await postgres.execute("CREATE DATABASE m;")
            try await postgres.execute(
                """
                CREATE TABLE a (id int, note text);
                INSERT INTO a SELECT i, CASE WHEN i % 2 = 0 THEN E'two\\nlines\\\\.' ELSE NULL END FROM generate_series(1, 12345) i;
                CREATE TABLE empty (x int);
                CREATE TABLE one (t text);
                INSERT INTO one VALUES ('');
                """,
                database: "m"
            )
            var bytes: [UInt8] = []
            var lastProgress = (0, 0)
            let summary = try await engine.dump(postgres.target(database: "m"), into: { bytes.append(contentsOf: $0) }, progress: { lastProgress = ($0, $1) })
            let tables = Dictionary(uniqueKeysWithValues: summary.databases[0].tables.map { ($0.name, $0) })
            #expect(tables["a"]?.rows == 12345)
            #expect(tables["empty"]?.rows == 0)
            #expect(tables["one"]?.rows == 1)
            #expect(tables["a"].map { $0.bytes > 12345 * 4 } == true)
            #expect(summary.serverVersion.hasPrefix("15"))
            #expect(lastProgress == (3, 3))
            #expect(Array(bytes.prefix(5)) == Array("PGDMP".utf8))
        }
    }

    @Test("wrong password, closed port and unknown database are told apart")
    func connectionErrors() async throws {
        try await withTemporaryPostgres { postgres in
            var wrong = postgres.target()
            wrong.password = Secret("not-the-password")
            let auth = await #expect(throws: EngineError.self) { _ = try await engine.serverVersion(of: wrong) }
            #expect(auth?.kind == .authenticationFailed)
            #expect(auth?.message.contains("not-the-password") == false)

            var missing = postgres.target()
            missing.connection.database = "does_not_exist"
            let notFound = await #expect(throws: EngineError.self) { _ = try await engine.serverVersion(of: missing) }
            #expect(notFound?.kind == .databaseNotFound)

            var closed = postgres.target()
            closed.connection.port = try FreePort.loopback()
            let unreachable = await #expect(throws: EngineError.self) { _ = try await engine.serverVersion(of: closed) }
            #expect(unreachable?.kind == .databaseUnreachable)
            #expect(unreachable?.isRetryable == true)
        }
    }
}

@Suite struct PostgresRowDigestTests {
    let engine = PostgresEngine(runner: SubprocessRunner(), tools: PostgresTools.discover())

    func digests(_ postgres: LocalPostgresInstance, _ database: String) async throws -> [String: UInt64] {
        let digester = try #require(engine.makeRowDigester())
        _ = try await engine.dump(postgres.target(database: database), into: { try digester.consume($0) }, progress: { _, _ in })
        return try digester.digests()
    }

    @Test("row digests of real dumps: equal for the same rows in another order, different for one changed value with the same count, zero for an empty table")
    func rowDigests() async throws {
        try await withTemporaryPostgres { postgres in
            let rows = "SELECT i, CASE WHEN i % 3 = 0 THEN E'two\\nlines \\\\. end' ELSE 'n' || i END FROM generate_series(1, 5000) i"
            for (name, fill) in [("d1", "\(rows) ORDER BY 1"), ("d2", "\(rows) ORDER BY 1 DESC"), ("d3", "\(rows) ORDER BY 1")] {
                try await postgres.execute("CREATE DATABASE \(name);")
                try await postgres.execute("CREATE TABLE t (id int, note text); INSERT INTO t \(fill); CREATE TABLE empty (x int);", database: name)
            }
            try await postgres.execute("UPDATE t SET note = 'changed' WHERE id = 2500;", database: "d3")
            let (first, reordered, changed) = (try await digests(postgres, "d1"), try await digests(postgres, "d2"), try await digests(postgres, "d3"))
            #expect(first["public.t"] != nil && first["public.t"] == reordered["public.t"])
            #expect(first["public.t"] != changed["public.t"])
            #expect(first["public.empty"] == 0)
        }
    }
}
