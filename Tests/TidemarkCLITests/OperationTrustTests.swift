import Foundation
import Testing
import TidemarkCatalog
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 14, items 1, 2, 4 and 10, through the binary against a real PostgreSQL: what a crash,
/// a purge or a race leaves behind, and what the records say afterwards.
@Suite struct OperationTrustTests {
    private func object(_ result: CLIResult) throws -> [String: Any] {
        try #require(try result.json() as? [String: Any], "\(result.standardOutput) \(result.standardError)")
    }

    private func databases(_ shop: ShopFixture) async throws -> Set<String> {
        Set(try await shop.postgres.execute("SELECT datname FROM pg_database;").split(separator: "\n").map(String.init))
    }

    @Test("kill -9 of a restoring CLI at several moments: the half database is dropped, a retry starts clean and completes")
    func killedRestores() async throws {
        try await withShop { shop in
            try await shop.postgres.execute(
                "CREATE TABLE big AS SELECT i, md5(i::text) || md5((i + 7)::text) AS t FROM generate_series(1, 1500000) i;",
                database: "shop"
            )
            try await shop.register()
            let id = try await shop.backup()
            let expectedRows = try await shop.postgres.execute("SELECT count(*) FROM big;", database: "shop")
            // Kill at a fixed time after the start (the checks, before any database exists), or
            // once the restore is loading data, early and late.
            // The late kill waits until the staging database holds 50 MB (of about 150): a fixed
            // delay let a fast machine finish the restore before the kill.
            let moments: [(step: String?, after: Duration, stagedBytes: Int, reconciler: String)] = [
                (nil, .milliseconds(400), 0, "serve"), ("restoring", .milliseconds(300), 0, "op list"), ("restoring", .zero, 50_000_000, "restore"),
            ]
            var seen: Set<String> = []
            for (number, moment) in moments.enumerated() {
                let name = "rk\(number)"
                let command = try RunningCommand(["restore", id, "--to", name], cli: shop.cli)
                if moment.step != nil {
                    // Watched on the server, not through the CLI: a loaded machine makes each
                    // command slow enough to miss the window.
                    let reached = try await eventually(seconds: 60, every: .milliseconds(10)) {
                        try await databases(shop).contains { $0.hasPrefix("tidemark_restore_") }
                    }
                    #expect(reached, "the restore never created its staging database")
                }
                if moment.stagedBytes > 0 {
                    let loaded = try await eventually(seconds: 60, every: .milliseconds(10)) {
                        let size = try await shop.postgres.execute(
                            "SELECT coalesce(max(pg_database_size(datname)), 0) FROM pg_database WHERE datname LIKE 'tidemark_restore_%';"
                        )
                        return Int(size.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 >= moment.stagedBytes
                    }
                    #expect(loaded, "the staging database never reached \(moment.stagedBytes) bytes")
                }
                try await Task.sleep(for: moment.after)
                command.kill9()
                // Looked up before any command runs: commands reconcile dead operations first.
                let staged = try await databases(shop).filter { $0.hasPrefix("tidemark_restore_") }
                #expect(!(try await databases(shop)).contains(name), "the chosen name never holds a half restore")
                let all = try #require(try await shop.cli.run(["op", "list", "--output", "json"]).json() as? [[String: Any]])
                guard let operation = all.first(where: { $0["kind"] as? String == "restore" && !seen.contains($0["id"] as? String ?? "") })?["id"] as? String else {
                    // Killed before it recorded anything: nothing can be left behind.
                    #expect(!(try await databases(shop)).contains(name))
                    continue
                }
                seen.insert(operation)
                if moment.step != nil { #expect(staged == ["tidemark_restore_\(operation)"], "\(staged)") }

                switch moment.reconciler {
                case "serve":
                    let serve = try ServeProcess(home: shop.cli.home, passphrase: shop.cli.passphrase)
                    let reconciled = try await eventually(seconds: 10) {
                        try object(try await shop.cli.run(["op", "show", operation, "--output", "json"]))["status"] as? String == "failed"
                    }
                    #expect(reconciled, "serve log:\n\(serve.log)")
                    serve.send(SIGTERM)
                    _ = try await serve.waitForExit(seconds: 30)
                case "restore":
                    // The next restore to the same name does not meet target-exists: the name was never taken.
                    let again = try await shop.cli.run(["restore", id, "--to", name])
                    #expect(again.exitCode == 0, "\(again.standardError)")
                    #expect(try await shop.postgres.execute("SELECT count(*) FROM big;", database: name) == expectedRows)
                    _ = try await shop.postgres.execute("DROP DATABASE \(name);")
                default:
                    _ = try await shop.cli.run(["op", "list"])
                }
                let dead = try object(try await shop.cli.run(["op", "show", operation, "--output", "json"]))
                #expect(dead["status"] as? String == "failed", "\(dead)")
                #expect((dead["lastError"] as? [String: Any])?["code"] as? String == "worker-lost")
                let left = try await databases(shop)
                let log = try await shop.cli.run(["op", "logs", operation]).standardOutput
                #expect(!left.contains(name) && !left.contains("tidemark_restore_\(operation)"), "moment \(number): \(left)\n\(log)")

                let retried = try await shop.cli.run(["op", "retry", operation])
                #expect(retried.exitCode == 0, "\(retried.standardError)")
                let done = try object(try await shop.cli.run(["op", "show", operation, "--output", "json"]))
                #expect(done["status"] as? String == "completed", "\(done)")
                #expect(done["lastError"] is NSNull)
                #expect((done["attempts"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["worker-lost", "completed"])
                #expect(try await shop.postgres.execute("SELECT count(*) FROM big;", database: name) == expectedRows)
                #expect(!(try await databases(shop)).contains("tidemark_restore_\(operation)"))
            }
        }
    }

    @Test("a restore that died after publishing its database is recorded as completed, not failed")
    func diedAfterPublishing() async throws {
        try await withShop { shop in
            try await shop.register()
            let id = try await shop.backup()
            try await shop.postgres.execute("CREATE DATABASE published;")
            // A process that is gone: its pid no longer exists on this host.
            let gone = Process()
            gone.executableURL = URL(fileURLWithPath: "/bin/true")
            try gone.run()
            gone.waitUntilExit()
            let catalog = try SQLiteCatalog(path: "\(shop.cli.home)/catalog.sqlite", sealer: try SecretSealer.load(home: shop.cli.home, environment: [:]))
            let operationID = Identifier.make()
            try await catalog.insertOperation(OperationRecord(
                id: operationID, kind: .restore, status: .running, step: "publishing", attempt: 1, maxAttempts: 1, database: "shop", backupID: id,
                summary: "restore backup \(id) to published", createdAt: Date(), startedAt: Date(),
                // A row as written before requests were typed (version 1): it must still be read.
                request: StoredRequest(version: 1, json: String(decoding: try JSONEncoder().encode(["backupId": id, "newName": "published", "stagingDatabase": "tidemark_restore_\(operationID)"]), as: UTF8.self)),
                leaseOwner: "cli:\(ProcessInfo.processInfo.hostName):\(gone.processIdentifier)", leaseExpiresAt: Date().addingTimeInterval(3600)
            ))
            let shown = try object(try await shop.cli.run(["op", "show", operationID, "--output", "json"]))
            #expect(shown["status"] as? String == "completed", "\(shown)")
            #expect((shown["result"] as? [String: Any])?["database"] as? String == "published")
            #expect(try await databases(shop).contains("published"))
        }
    }

    @Test("a backup completed on retry is dated by the retry's dump, and its operation shows no old error")
    func retriedBackupIsDatedByTheRetry() async throws {
        try await withShop { shop in
            try await shop.register()
            _ = try await shop.postgres.execute("ALTER USER postgres PASSWORD 'changed-for-this-test';")
            #expect(try await shop.cli.run(["backup", "create", "shop"]).exitCode != 0)
            _ = try await shop.postgres.execute("ALTER USER postgres PASSWORD '\(shop.postgres.password.revealed)';")
            let failed = try #require(try await shop.cli.run(["backup", "list", "--output", "json"]).json() as? [[String: Any]]).first
            let operationID = try #require(failed?["operationId"] as? String)
            let firstStart = try #require((failed?["startedAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            try await Task.sleep(for: .seconds(2))
            let retriedAt = Date()
            #expect(try await shop.cli.run(["op", "retry", operationID]).exitCode == 0)
            let backup = try #require(try await shop.cli.run(["backup", "list", "--output", "json"]).json() as? [[String: Any]]).first
            #expect(backup?["status"] as? String == "completed")
            let dataFrom = try #require((backup?["startedAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(dataFrom >= retriedAt.addingTimeInterval(-1), "data from \(dataFrom), retried at \(retriedAt)")
            #expect(dataFrom > firstStart.addingTimeInterval(1))
            let operation = try object(try await shop.cli.run(["op", "show", operationID, "--output", "json"]))
            #expect(operation["lastError"] is NSNull, "\(operation)")
            let attempts = try #require(operation["attempts"] as? [[String: Any]])
            #expect(attempts.map { $0["outcome"] as? String } == ["failed", "completed"])
            #expect((attempts.first?["error"] as? [String: Any])?["code"] as? String == "authentication-failed")
        }
    }

    @Test("a purged backup's operations cannot be retried (CLI and API paths): the backup never comes back")
    func purgedBackupStaysPurged() async throws {
        try await withShop { shop in
            try await shop.register()
            // A backup that fails: the database's server refuses the password.
            _ = try await shop.postgres.execute("ALTER USER postgres PASSWORD 'changed-for-this-test';")
            let failed = try await shop.cli.run(["backup", "create", "shop", "--output", "json"])
            #expect(failed.exitCode != 0)
            _ = try await shop.postgres.execute("ALTER USER postgres PASSWORD '\(shop.postgres.password.revealed)';")
            let backups = try #require(try await shop.cli.run(["backup", "list", "--output", "json"]).json() as? [[String: Any]])
            let backup = try #require(backups.first)
            let backupID = try #require(backup["id"] as? String)
            let operationID = try #require(backup["operationId"] as? String)
            #expect(backup["status"] as? String == "failed")

            #expect(try await shop.cli.run(["backup", "purge", backupID]).exitCode == 0)
            #expect(try await shop.cli.run(["backup", "show", backupID]).exitCode == 3)
            let shown = try object(try await shop.cli.run(["op", "show", operationID, "--output", "json"]))
            #expect(shown["retryable"] as? Bool == false)
            let retry = try await shop.cli.run(["op", "retry", operationID])
            #expect(retry.exitCode == 4, "\(retry.standardError)")
            #expect(retry.standardError.contains("was purged"), "\(retry.standardError)")
            #expect(try await shop.cli.run(["op", "retry", operationID, "--async"]).exitCode == 4)
            #expect(try await shop.cli.run(["backup", "show", backupID]).exitCode == 3)
            #expect((try await shop.cli.run(["backup", "list", "--output", "json"]).json() as? [Any])?.isEmpty == true)
        }
    }

    @Test("two backups of one database started at the same moment: one runs, the other is refused (3 trials)")
    func racingBackups() async throws {
        try await withShop { shop in
            // Large enough that the two commands overlap: each backup takes about a second.
            try await shop.postgres.execute("CREATE TABLE big AS SELECT i, md5(i::text) AS t FROM generate_series(1, 300000) i;", database: "shop")
            try await shop.register()
            for trial in 0..<3 {
                async let first = shop.cli.run(["backup", "create", "shop", "--output", "json"])
                async let second = shop.cli.run(["backup", "create", "shop", "--output", "json"])
                let results = try await [first, second]
                let codes = results.map(\.exitCode).sorted()
                #expect(codes == [0, 4], "trial \(trial): \(results.map(\.standardError))")
                #expect(results.contains { $0.standardError.contains("backup-in-progress") }, "trial \(trial)")
            }
            let backups = try #require(try await shop.cli.run(["backup", "list", "--output", "json"]).json() as? [[String: Any]])
            #expect(backups.count == 3 && backups.allSatisfy { $0["status"] as? String == "completed" })
        }
    }
}
