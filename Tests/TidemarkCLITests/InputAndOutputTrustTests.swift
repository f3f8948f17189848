import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 14: closed output, hostile config files, file permissions and error hints, through the
/// binary as a user (or a script) meets them.
@Suite struct InputAndOutputTrustTests {
    /// Runs `script` in bash with `tidemark` pointing at the binary and the CLI's home.
    private func shell(_ script: String, cli: TidemarkBinary) async throws -> ProcessOutcome {
        try await SubprocessRunner().run(ProcessCommand(
            executable: "/bin/bash",
            arguments: ["-c", script],
            environment: [
                "TIDEMARK_HOME": Secret(cli.home), "TIDEMARK_PASSPHRASE": Secret(cli.passphrase),
                "T": Secret(TidemarkBinary.path), "PATH": Secret("/usr/bin:/bin"),
            ]
        ))
    }

    @Test("a closed stdout or stderr ends a command quietly (exit 0 or 141), never a crash")
    func closedOutput() async throws {
        try await withShop { shop in
            try await shop.register()
            let id = try await shop.backup()
            for _ in 0..<3 { _ = try await shop.cli.run(["backup", "verify", id]) }
            // Each pipeline prints the exit status of tidemark, the first command of the pipe.
            let cases = [
                "$T op list | head -1 >/dev/null; echo ${PIPESTATUS[0]}",
                "$T op list --output json | true; echo ${PIPESTATUS[0]}",
                "$T backup export \(id) | head -c 100 >/dev/null; echo ${PIPESTATUS[0]}",
                "$T op logs $($T op list --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"id\"])') --follow | head -1 >/dev/null; echo ${PIPESTATUS[0]}",
                "$T backup list >&-; echo $?",
                "$T backup show nope 2>&-; echo $?",
            ]
            for script in cases {
                let outcome = try await shell(script, cli: shop.cli)
                let status = outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(["0", "141", "3"].contains(status), "\(script): exit \(status), stderr: \(outcome.standardError)")
                #expect(!outcome.standardError.contains("Fatal error"), "\(script): \(outcome.standardError)")
            }
            // The export that lost its reader is recorded as failed with a clear error, not left running.
            let operations = try #require(try await shop.cli.run(["op", "list", "--output", "json"]).json() as? [[String: Any]])
            let export = try #require(operations.first { $0["kind"] as? String == "export" })
            #expect(export["status"] as? String == "failed")
            #expect((export["lastError"] as? [String: Any])?["code"] as? String == "output-closed")
        }
    }

    @Test("apply refuses alias bombs, deep nesting and huge files at once, with a clear error")
    func hostileConfigFiles() async throws {
        try await withTemporaryDirectory { directory in
            let cli = TidemarkBinary(home: "\(directory)/home")
            var laughs = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
            for level in 1...9 { laughs.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]") }
            laughs.append("storages: *a9")
            let files = [
                ("laughs.yaml", laughs.joined(separator: "\n"), "holds more than 100000 values once its aliases"),
                ("deep.yaml", "storages: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000), "is not valid YAML"),
                ("huge.yaml", "# " + String(repeating: "x", count: 2 << 20), "is larger than 1024 KiB"),
            ]
            for (name, text, message) in files {
                try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
                let started = Date()
                let result = try await cli.run(["apply", "-f", "\(directory)/\(name)"])
                // Each takes under 0.1 s alone; a CI machine running the whole suite once took 65 s
                // (2026-12-06). Expanding the aliases (9^10 values) would run for hours.
                #expect(Date().timeIntervalSince(started) < 300, "\(name) took too long")
                #expect(result.exitCode == 2, "\(name): \(result.standardError)")
                #expect(result.standardError.contains(message), "\(name): \(result.standardError)")
                #expect(result.standardError.count < 2_000, "\(name): the error echoes the file")
            }
            // Aliases within the limit still work (anchors are common in shared settings).
            try """
                policies:
                  - &standard {name: one, daily: 7, monthly: 3, yearly: 1}
                  - {<<: *standard, name: two, daily: 9}
                """.write(toFile: "\(directory)/anchors.yaml", atomically: true, encoding: .utf8)
            let anchors = try await cli.run(["apply", "-f", "\(directory)/anchors.yaml"])
            #expect(anchors.exitCode == 0, "\(anchors.standardError)")
            let policies = try #require(try await cli.run(["policy", "list", "--output", "json"]).json() as? [[String: Any]])
            #expect(policies.first { $0["name"] as? String == "two" }?["daily"] as? Int == 9)
            #expect(policies.first { $0["name"] as? String == "two" }?["monthly"] as? Int == 3)
        }
    }

    @Test("the home directory and every file in it are private (0700 / 0600), also an older, open home")
    func homePermissions() async throws {
        try await withShop { shop in
            try FileManager.default.createDirectory(atPath: shop.cli.home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try await shop.register()
            _ = try await shop.backup()
            // Files an older release left readable are tightened when the catalog is opened.
            chmod("\(shop.cli.home)/catalog.sqlite", 0o644)
            _ = try await shop.cli.run(["backup", "list"])
            let manager = FileManager.default
            let home = try manager.attributesOfItem(atPath: shop.cli.home)[.posixPermissions] as? Int
            #expect(home == 0o700)
            let files = try manager.contentsOfDirectory(atPath: shop.cli.home)
            #expect(files.contains("catalog.sqlite") && files.contains("catalog.key"))
            for file in files {
                let mode = try manager.attributesOfItem(atPath: "\(shop.cli.home)/\(file)")[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
            }
        }
    }

    @Test("a damaged backup: verify lists every problem in JSON, and restore says what to do (hint)")
    func damagedBackupErrors() async throws {
        try await withShop { shop in
            try await shop.register()
            let id = try await shop.backup()
            let packs = try FileManager.default.subpathsOfDirectory(atPath: "\(shop.directory)/repo/data").filter { $0.count > 10 }
            let pack = "\(shop.directory)/repo/data/\(try #require(packs.first))"
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: pack)))
            for offset in stride(from: 100, to: min(bytes.count, 200_000), by: 997) { bytes[offset] ^= 0xFF }
            try Data(bytes).write(to: URL(fileURLWithPath: pack))

            let verify = try await shop.cli.run(["backup", "verify", id, "--read-data", "--output", "json"])
            #expect(verify.exitCode == 8, "\(verify.standardError)")
            let report = try #require(try verify.json() as? [String: Any])
            #expect(report["healthy"] as? Bool == false)
            let problems = try #require(report["problems"] as? [[String: Any]])
            #expect(!problems.isEmpty && problems.allSatisfy { $0["object"] is String && $0["problem"] is String })
            #expect(verify.standardError.contains("\"code\":\"verify-failed\""))

            let restore = try await shop.cli.run(["restore", id, "--to", "from_damaged"])
            #expect(restore.exitCode == 8, "\(restore.standardError)")
            #expect(restore.standardError.contains("hint: "), "\(restore.standardError)")
            let json = try await shop.cli.run(["restore", id, "--to", "from_damaged", "--output", "json"])
            let error = try #require((try JSONSerialization.jsonObject(with: Data(json.standardError.utf8)) as? [String: Any])?["error"] as? [String: Any])
            #expect((error["hint"] as? String)?.isEmpty == false, "\(json.standardError)")
            #expect(try await shop.postgres.execute("SELECT count(*) FROM pg_database WHERE datname = 'from_damaged';").contains("0"))
        }
    }
}
