import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// Issue 14, item 13: docs/FORMAT.md is exact — a reader written from it alone reads real
/// backups made by the binary, bit for bit.
@Suite struct FormatDocumentTests {
    @Test("a reader written from docs/FORMAT.md alone reads every backup, pack and index as documented")
    func documentedReaderReadsRealBackups() async throws {
        try await withShop { shop in
            try await shop.register()
            let first = try await shop.backup()
            try await shop.postgres.execute("INSERT INTO orders (customer_id, note) SELECT 1, 'later ' || i FROM generate_series(1, 500) i;", database: "shop")
            let second = try await shop.backup()

            var reader = DocumentedRepositoryReader(directory: "\(shop.directory)/repo")
            let config = try reader.unlock(passphrase: shop.cli.passphrase)
            #expect((config["kdf"] as? [String: Any])?["n"] as? Int == 32_768)
            try reader.loadIndex()
            for pack in try FileManager.default.subpathsOfDirectory(atPath: "\(shop.directory)/repo/data").filter({ $0.count > 3 }) {
                _ = try reader.readPack(String(pack.split(separator: "/").last ?? ""))
            }
            let version = try await shop.postgres.execute("SHOW server_version;").trimmingCharacters(in: .whitespacesAndNewlines)
            let iso = ISO8601DateFormatter()
            for id in [first, second] {
                let manifest = try reader.manifest(id)
                #expect(manifest["version"] as? Int == 1 && manifest["id"] as? String == id && manifest["database"] as? String == "shop")
                #expect(manifest["engine"] as? String == "postgres" && manifest["method"] as? String == "logical" && manifest["trigger"] as? String == "manual")
                // The version string pg_dump recorded: the server's, e.g. "15.18 (Debian 15.18-0+deb12u1)".
                let serverVersion = try #require(manifest["serverVersion"] as? String)
                #expect(serverVersion.hasPrefix(version.split(separator: " ").first.map(String.init) ?? version), "\(serverVersion) vs \(version)")
                for key in ["startedAt", "finishedAt"] {
                    #expect((manifest[key] as? String).flatMap(iso.date(from:)) != nil, "\(key) is not ISO 8601 with seconds")
                }
                // origin, as documented: the database's id and connection, the plan and its policy.
                let origin = try #require(manifest["origin"] as? [String: Any])
                #expect(Set(origin.keys).isSubset(of: ["databaseId", "registeredAt", "connection", "managed", "walNamespace", "plan", "policy"]), "\(origin.keys)")
                #expect((origin["databaseId"] as? String).flatMap(UUID.init(uuidString:)) != nil && (origin["registeredAt"] as? String).flatMap(iso.date(from:)) != nil)
                let connection = try #require(origin["connection"] as? [String: Any])
                #expect(Set(connection.keys) == ["host", "port", "user", "database", "parameters", "isFile"] && connection["database"] as? String == "shop")
                #expect(origin["managed"] as? Bool == false)
                let plan = try #require(origin["plan"] as? [String: Any])
                #expect(Set(plan.keys) == ["storage", "schedule", "policy", "method", "pitr", "paused"] && plan["storage"] as? String == "local1")
                let policy = try #require(origin["policy"] as? [String: Any])
                #expect(policy["name"] as? String == plan["policy"] as? String && policy["daily"] is Int && policy["keepsFinal"] is Bool)
                #expect(!String(decoding: try JSONSerialization.data(withJSONObject: manifest), as: UTF8.self).contains(shop.postgres.password.revealed), "no password in a manifest")
                let objects = try #require(manifest["dumpObjects"] as? [[String: Any]])
                let documented: Set<String> = ["id", "kind", "schema", "name", "dependencies", "references"]
                for object in objects {
                    #expect(Set(object.keys).isSubset(of: documented), "\(object.keys)")
                    #expect(!object.values.contains { $0 is NSNull }, "a null was written: \(object)")
                    #expect((object["references"] != nil) == (object["kind"] as? String == "FK CONSTRAINT"), "\(object)")
                }
                #expect(objects.contains { $0["schema"] == nil }, "objects without a namespace leave schema out")
                let foreignKey = try #require(objects.first { $0["kind"] as? String == "FK CONSTRAINT" })
                #expect(foreignKey["references"] as? String == "public.customers")

                // The stream is exactly what `backup export` writes (the pg_dump archive).
                let stream = try reader.stream(of: manifest)
                let export = "\(shop.directory)/\(id).dump"
                #expect(try await shop.cli.run(["backup", "export", id, "--out", export]).exitCode == 0)
                #expect(stream == Array(try Data(contentsOf: URL(fileURLWithPath: export))))
                #expect(stream.starts(with: Array("PGDMP".utf8)))
            }
            // "Restore tests": the result of `backup test`, as documented.
            #expect(try await shop.cli.run(["backup", "test", second]).exitCode == 0)
            let test = try reader.openFramedJSON("tests/\(second)", label: "tidemark.restore-test")
            let documentedTest: Set<String> = ["backupId", "operationId", "startedAt", "finishedAt", "passed", "target", "phases", "bytesRestored", "tablesChecked", "mismatches", "error"]
            #expect(Set(test.keys).isSubset(of: documentedTest) && test["error"] == nil, "\(test.keys)")
            #expect(test["backupId"] as? String == second && test["passed"] as? Bool == true && test["tablesChecked"] as? Int == 2)
            #expect((test["target"] as? String)?.hasPrefix("tidemark_test_") == true && (test["mismatches"] as? [Any])?.isEmpty == true)
            let phases = try #require(test["phases"] as? [[String: Any]])
            #expect(phases.map { $0["name"] as? String } == ["restore", "compare", "drop"])
            let span = try #require((test["finishedAt"] as? String).flatMap(iso.date(from:))).timeIntervalSince(try #require((test["startedAt"] as? String).flatMap(iso.date(from:))))
            #expect(abs(phases.reduce(0.0) { $0 + ($1["seconds"] as? Double ?? 0) } - span) <= 1.0, "the phases add up to the span (times have whole seconds)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(shop.directory)/repo/locks").isEmpty)
        }
    }
}
