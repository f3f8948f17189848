import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

#if canImport(Glibc)
    import Glibc
#endif

/// `tidemark serve` as a process, against a real PostgreSQL and a local repository.
@Suite struct ServeEndToEndTests {
    private func objects(_ result: CLIResult) throws -> [[String: Any]] {
        (try result.json() as? [[String: Any]]) ?? []
    }

    private func object(_ result: CLIResult) throws -> [String: Any] {
        (try result.json() as? [String: Any]) ?? [:]
    }

    @Test("serve takes automatic backups on a per-second schedule, applies retention, and stops cleanly on SIGTERM")
    func scheduledBackups() async throws {
        try await withShop { shop in
            try await shop.register()
            let cli = shop.cli
            let bad = try await cli.run(["plan", "set", "shop", "--schedule", "*/2 * * * * 8"])
            #expect(bad.exitCode == 2)
            #expect(bad.standardError.contains("error: cron field 6 (day-of-week): 8 is out of range 0-7"))
            let unknownPolicy = try await cli.run(["plan", "set", "shop", "--policy", "nope"])
            #expect(unknownPolicy.exitCode == 3)
            #expect(unknownPolicy.standardError.contains("retention policy nope does not exist"))
            let unknownPlan = try await cli.run(["plan", "show", "ghost"])
            #expect(unknownPlan.exitCode == 3)

            let set = try await cli.run(["plan", "set", "shop", "--schedule", "*/2 * * * * *"])
            #expect(set.exitCode == 0, "\(set.standardError)")
            let show = try await cli.run(["plan", "show", "shop", "--output", "json"])
            #expect((try object(show)["upcomingRuns"] as? [Any])?.count == 5)

            let serve = try ServeProcess(home: cli.home, passphrase: cli.passphrase)
            let produced = try await eventually(seconds: 90) {
                let list = try objects(try await cli.run(["backup", "list", "--output", "json"]))
                return list.filter { $0["status"] as? String == "completed" && $0["trigger"] as? String == "automatic" }.count >= 2
            }
            #expect(produced, "serve log:\n\(serve.log)")
            serve.send(SIGTERM)
            let status = try await serve.waitForExit(seconds: 30)
            #expect(status == 0, "serve log:\n\(serve.log)")

            let backups = try objects(try await cli.run(["backup", "list", "--output", "json"]))
            let automatic = backups.filter { $0["trigger"] as? String == "automatic" && $0["status"] as? String == "completed" }
            // The default policy keeps the last backup of today: older automatic backups of the
            // same day are deleted by the retention run after each backup.
            #expect(automatic.count >= 1)
            #expect(automatic.allSatisfy { $0["expiresAt"] is String })
            let operations = try objects(try await cli.run(["op", "list", "--output", "json"]))
            #expect(operations.contains { $0["kind"] as? String == "retention" && $0["status"] as? String == "completed" })
            #expect(!operations.contains { $0["status"] as? String == "running" })
            let text = try await cli.run(["backup", "list"])
            // Today's last backup is also this year's: kept until 2032 by "6 yearly".
            #expect(text.standardOutput.contains(" days\n") && text.standardOutput.contains("completed"), "\(text.standardOutput)")
        }
    }

    @Test("SIGTERM mid-backup leaves it queued; kill -9 mid-backup is found at once; the next serve completes it")
    func crashAndShutdownMidBackup() async throws {
        try await withShop { shop in
            // Big enough that the dump takes seconds, so signals land in the middle of it.
            try await shop.postgres.execute(
                "CREATE TABLE big AS SELECT i, md5(i::text) || md5((i + 1)::text) || md5((i + 2)::text) AS t FROM generate_series(1, 1500000) i;",
                database: "shop"
            )
            try await shop.register()
            let cli = shop.cli
            _ = try await cli.run(["plan", "pause", "shop"])
            let queued = try object(try await cli.run(["backup", "create", "shop", "--async", "--output", "json"]))
            let operationID = try #require(queued["id"] as? String)
            let backupID = try #require(queued["backupId"] as? String)
            let environment = ["TIDEMARK_LEASE_SECONDS": "2"]

            func operation() async throws -> [String: Any] {
                try object(try await cli.run(["op", "show", operationID, "--output", "json"]))
            }
            func backupStatus() async throws -> String? {
                try object(try await cli.run(["backup", "show", backupID, "--output", "json"]))["status"] as? String
            }
            func dumping() async throws -> Bool {
                let current = try await operation()
                return current["status"] as? String == "running" && current["step"] as? String == "dumping"
            }

            // 1. Graceful shutdown in the middle of the dump: queued again, attempt not counted.
            let first = try ServeProcess(home: cli.home, passphrase: cli.passphrase, environment: environment)
            #expect(try await eventually(seconds: 60, every: .milliseconds(100), dumping), "serve log:\n\(first.log)")
            first.send(SIGTERM)
            #expect(try await first.waitForExit(seconds: 30) == 0, "serve log:\n\(first.log)")
            var current = try await operation()
            #expect(current["status"] as? String == "pending")
            #expect(current["attempt"] as? Int == 0)
            #expect(current["leaseOwner"] is NSNull)
            #expect(try await backupStatus() == "pending")
            let logs = try await cli.run(["op", "logs", operationID])
            #expect(logs.standardOutput.contains("interrupted by shutdown in step dumping"))

            // 2. kill -9 in the middle of the dump: the next command sees that the process is gone
            //    (same host, no such pid) and queues the backup again at once; nothing completed.
            let second = try ServeProcess(home: cli.home, passphrase: cli.passphrase, environment: environment)
            #expect(try await eventually(seconds: 60, every: .milliseconds(100), dumping), "serve log:\n\(second.log)")
            second.send(SIGKILL)
            _ = try await second.waitForExit(seconds: 10)
            current = try await operation()
            #expect(current["status"] as? String == "pending", "\(current)")
            #expect((current["lastError"] as? [String: Any])?["code"] as? String == "worker-lost")
            #expect(try await backupStatus() != "completed")

            // 3. The next serve takes the backup up again and completes it.
            let third = try ServeProcess(home: cli.home, passphrase: cli.passphrase, environment: environment)
            let completed = try await eventually(seconds: 120) { try await operation()["status"] as? String == "completed" }
            #expect(completed, "serve log:\n\(third.log)")
            third.send(SIGTERM)
            #expect(try await third.waitForExit(seconds: 30) == 0, "serve log:\n\(third.log)")

            current = try await operation()
            #expect(current["attempt"] as? Int == 2)
            #expect(current["leaseOwner"] is NSNull)
            let finalLogs = try await cli.run(["op", "logs", operationID]).standardOutput
            #expect(finalLogs.contains("stopped in step dumping without finishing"), "\(finalLogs)")
            #expect(try await backupStatus() == "completed")
            let backups = try objects(try await cli.run(["backup", "list", "--output", "json"]))
            #expect(backups.map { $0["id"] as? String } == [backupID])
            let verify = try await cli.run(["backup", "verify", backupID])
            #expect(verify.exitCode == 0, "\(verify.standardError)")
            let operations = try objects(try await cli.run(["op", "list", "--output", "json"]))
            #expect(!operations.contains { $0["status"] as? String == "running" || !($0["leaseOwner"] is NSNull) })
        }
    }
}
