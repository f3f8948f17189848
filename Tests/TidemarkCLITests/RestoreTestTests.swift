import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// Restore tests (SPEC §4.5) through the real binary on a real PostgreSQL: a passing test and
/// its evidence (on the backup, in the repository, after catalog loss), and a backup whose data
/// is damaged failing its test with the webhook event.
@Suite struct RestoreTestTests {
    func scratchDatabases(_ postgres: LocalPostgresInstance) async throws -> String {
        try await postgres.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'tidemark_test_%';").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("backup test restores into a scratch database, compares tables, exact rows and row digests, drops it and records per-phase times on the backup and in the repository (kept by storage attach); a damaged pack fails the test with exit 8, the result and test-restore.failed")
    func restoreTests() async throws {
        try await withShop { shop in
            let (cli, postgres, directory) = (shop.cli, shop.postgres, shop.directory)
            _ = try cliObject(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo", "--output", "json"]))
            _ = try cliObject(try await cli.run(["db", "add", "shop", "--url", shop.url, "--storage", "local1", "--output", "json"]))
            _ = try cliObject(try await cli.run(["webhook", "add", "pager", "--url", "http://127.0.0.1:9/hook", "--event", "test-restore.failed", "--output", "json"]))
            let id = try #require(try cliObject(try await cli.run(["backup", "create", "shop", "--output", "json"]))["id"] as? String)
            let untested = try await cli.run(["backup", "show", id])
            #expect(untested.standardOutput.contains("last test:  never"), "\(untested.standardOutput)")

            let passed = try await cli.run(["backup", "test", id])
            #expect(passed.exitCode == 0 && passed.standardOutput.contains("passed its restore test: 2 tables as recorded"), "\(passed.standardOutput) \(passed.standardError)")
            let shown = try cliObject(try await cli.run(["backup", "show", id, "--output", "json"]))
            let test = try #require(shown["lastTest"] as? [String: Any], "\(shown)")
            #expect(test["passed"] as? Bool == true && test["tablesChecked"] as? Int == 2 && (test["mismatches"] as? [Any])?.isEmpty == true, "\(test)")
            #expect(test["error"] is NSNull, "every key is present, null when absent")
            let phases = try #require(test["phases"] as? [[String: Any]])
            #expect(phases.map { $0["name"] as? String } == ["restore", "compare", "drop"])
            let total = try #require(ISO8601DateFormatter().date(from: test["finishedAt"] as? String ?? "")).timeIntervalSince(try #require(ISO8601DateFormatter().date(from: test["startedAt"] as? String ?? "")))
            let summed = phases.reduce(0.0) { $0 + ($1["seconds"] as? Double ?? 0) }
            #expect(abs(summed - total) <= max(0.05 * total, 1.0), "phases \(summed) s, total \(total) s (ISO times have whole seconds)")
            #expect((test["bytesRestored"] as? Int ?? 0) > 1_000_000)
            #expect(try await scratchDatabases(postgres) == "0", "the scratch database is dropped")
            #expect(FileManager.default.fileExists(atPath: "\(directory)/repo/tests/\(id)"), "the result is in the repository")
            let text = try await cli.run(["backup", "show", id])
            #expect(text.standardOutput.contains("last test:  passed"), "\(text.standardOutput)")

            // The machine is gone: the evidence comes back with the backup.
            try FileManager.default.removeItem(atPath: "\(directory)/home")
            let fresh = TidemarkBinary(home: "\(directory)/home")
            _ = try cliObject(try await fresh.run(["storage", "attach", "local1", "--local", "\(directory)/repo", "--output", "json"]))
            let attached = try cliObject(try await fresh.run(["backup", "show", id, "--output", "json"]))
            #expect((attached["lastTest"] as? [String: Any])?["passed"] as? Bool == true, "\(attached)")
            _ = try await fresh.run(["db", "update", "shop", "--url", shop.url])
            _ = try cliObject(try await fresh.run(["webhook", "add", "pager", "--url", "http://127.0.0.1:9/hook", "--event", "test-restore.failed", "--output", "json"]))

            // One byte flipped in the middle of the largest pack: the test fails and says so.
            let packs = try FileManager.default.subpathsOfDirectory(atPath: "\(directory)/repo/data").map { "\(directory)/repo/data/\($0)" }
            let largest = try #require(packs.max { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int ?? 0) ?? 0 < (try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int ?? 0) ?? 0 })
            var bytes = try #require(FileManager.default.contents(atPath: largest))
            bytes[bytes.count / 2] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: largest))
            let failed = try await fresh.run(["backup", "test", id])
            #expect(failed.exitCode == 8 && failed.standardError.contains("the restore test of backup \(id) failed"), "\(failed.exitCode) \(failed.standardError)")
            let after = try cliObject(try await fresh.run(["backup", "show", id, "--output", "json"]))
            let failedTest = try #require(after["lastTest"] as? [String: Any])
            #expect(failedTest["passed"] as? Bool == false && failedTest["error"] is [String: Any], "\(failedTest)")
            #expect(try await scratchDatabases(postgres) == "0", "a failed test drops its scratch database too")
            let deliveries = try #require(try await fresh.run(["webhook", "deliveries", "--output", "json"]).json() as? [[String: Any]])
            #expect(deliveries.contains { $0["event"] as? String == "test-restore.failed" }, "\(deliveries)")
        }
    }
}
