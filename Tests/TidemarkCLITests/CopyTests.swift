import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Copies to a second storage (SPEC §4.10) through the real binary: the plan's copy after each
/// backup, `backup copy`, what a copy sends, retention per storage, and restores from a copy
/// once the first storage is gone.
@Suite struct CopyTests: InstanceTestSupport {
    let tools = PostgresTools.discover()

    func backups(_ cli: TidemarkBinary, _ database: String) async throws -> [[String: Any]] {
        let listed = try await cli.run(["backup", "list", database, "--output", "json"])
        return try #require(try listed.json() as? [[String: Any]], "\(listed.standardError)")
    }

    @Test("the plan copies each backup to a storage sharing its chunking (the second copy sends about what the second backup stored), backup copy re-chunks into an unrelated storage, copies are kept per storage, and restore from a copy is identical once the first storage is deleted")
    func logicalCopies() async throws {
        try await withShop { shop in
            let (cli, postgres, directory) = (shop.cli, shop.postgres, shop.directory)
            _ = try cliObject(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo", "--output", "json"]))
            let shared = try await cli.run(["storage", "add", "offsite", "--local", "\(directory)/offsite", "--copy-of", "local1"])
            #expect(shared.exitCode == 0 && shared.standardOutput.contains("chunking shared with local1"), "\(shared.standardError)")
            _ = try cliObject(try await cli.run(["storage", "add", "other", "--local", "\(directory)/other", "--output", "json"]))
            _ = try cliObject(try await cli.run(["policy", "set", "one", "--last", "1", "--hourly", "0", "--daily", "0", "--monthly", "0", "--yearly", "0", "--within", "0", "--output", "json"]))
            _ = try cliObject(try await cli.run(["db", "add", "shop", "--url", shop.url, "--storage", "local1", "--policy", "one", "--output", "json"]))

            let refused = try await cli.run(["plan", "set", "shop", "--copy-to", "local1"])
            #expect(refused.exitCode != 0 && refused.standardError.contains("copies must go to another storage"), "\(refused.standardError)")
            let plan = try cliObject(try await cli.run(["plan", "set", "shop", "--copy-to", "offsite", "--output", "json"]))
            #expect(plan["copyTo"] as? String == "offsite")
            #expect(try await cli.run(["storage", "remove", "offsite"]).exitCode != 0, "a storage a plan copies to stays")

            let firstRun = try await cli.run(["backup", "create", "shop"])
            #expect(firstRun.exitCode == 0 && firstRun.standardOutput.contains("completed in storage offsite"), "\(firstRun.standardOutput) \(firstRun.standardError)")
            var all = try await backups(cli, "shop")
            let first = try #require(all.first { $0["storage"] as? String == "local1" })
            let firstCopy = try #require(all.first { $0["storage"] as? String == "offsite" })
            #expect(firstCopy["trigger"] as? String == "copy" && firstCopy["copyOf"] as? String == first["id"] as? String && firstCopy["status"] as? String == "completed")
            #expect(firstCopy["startedAt"] as? String == first["startedAt"] as? String, "a copy holds data from the moment its source does")

            // A realistic change: new orders and some updated rows.
            try await postgres.execute("INSERT INTO orders (customer_id, note) SELECT 1 + i % 500, 'second ' || i FROM generate_series(1, 2000) i; UPDATE customers SET name = name || ' (moved)' WHERE id % 50 = 0;", database: "shop")
            let second = try cliObject(try await cli.run(["backup", "create", "shop", "--output", "json"]))
            let secondID = try #require(second["id"] as? String)
            all = try await backups(cli, "shop")
            let secondCopy = try #require(all.first { $0["copyOf"] as? String == secondID })
            let secondStored = try #require(second["storedBytes"] as? Int)
            let copySent = try #require(secondCopy["storedBytes"] as? Int)
            #expect(copySent > 0 && copySent <= secondStored + secondStored / 10 + 4096, "the second copy sent \(copySent) bytes, the second backup stored \(secondStored)")
            #expect(copySent * 4 < (secondCopy["logicalBytes"] as? Int ?? 0), "only missing chunks are sent")
            let operation = try #require(try await cli.run(["op", "list", "--output", "json"]).json() as? [[String: Any]]).first { ($0["kind"] as? String) == "copy" && ($0["backupId"] as? String) == secondCopy["id"] as? String }
            let log = try await cli.run(["op", "logs", try #require(operation?["id"] as? String)])
            #expect(log.standardOutput.contains("sealed chunks moved (shared chunking)"), "\(log.standardOutput)")

            // Retention per storage: policy 'one' keeps one copy in offsite; manual backups stay in local1.
            all = try await backups(cli, "shop")
            #expect(all.filter { $0["storage"] as? String == "offsite" }.map { $0["id"] as? String } == [secondCopy["id"] as? String], "\(all)")
            #expect(all.filter { $0["storage"] as? String == "local1" }.count == 2)

            // backup copy to a storage that does not share chunking: cut again with its keys.
            let toOther = try cliObject(try await cli.run(["backup", "copy", secondID, "--to", "other", "--output", "json"]))
            #expect(toOther["trigger"] as? String == "copy" && toOther["storage"] as? String == "other")
            let again = try await cli.run(["backup", "copy", secondID, "--to", "other"])
            #expect(again.exitCode != 0 && again.standardError.contains("already has copy"), "\(again.standardError)")
            let same = try await cli.run(["backup", "copy", secondID, "--to", "local1"])
            #expect(same.exitCode != 0 && same.standardError.contains("is in storage local1 already"), "\(same.standardError)")
            let firstToOther = try cliObject(try await cli.run(["backup", "copy", try #require(first["id"] as? String), "--to", "other", "--output", "json"]))
            #expect((firstToOther["storedBytes"] as? Int ?? 0) < (toOther["storedBytes"] as? Int ?? 0), "the older backup shares most chunks with the copy already there")

            // The first storage is gone: both copies restore on their own, identical to the source.
            let expected = (try await TidemarkCLITests.rows(of: "orders", in: "shop", on: postgres), try await TidemarkCLITests.rows(of: "customers", in: "shop", on: postgres))
            try FileManager.default.removeItem(atPath: "\(directory)/repo")
            for (copy, name) in [(try #require(secondCopy["id"] as? String), "from_offsite"), (try #require(toOther["id"] as? String), "from_other")] {
                let restored = try await cli.run(["restore", copy, "--to", name])
                #expect(restored.exitCode == 0, "\(restored.standardError)")
                #expect(try await TidemarkCLITests.rows(of: "orders", in: name, on: postgres) == expected.0)
                #expect(try await TidemarkCLITests.rows(of: "customers", in: name, on: postgres) == expected.1)
            }
            let verified = try await cli.run(["backup", "verify", try #require(secondCopy["id"] as? String), "--read-data"])
            #expect(verified.exitCode == 0, "\(verified.standardError)")
        }
    }

    @Test("a physical backup with PITR copied to S3: the copy takes the WAL along, serve keeps the copy's archive current, and restore --at latest works from the copy alone")
    func physicalCopyWithWAL() async throws {
        try await withMotoServer(authentication: true) { moto in
            try await withTemporaryDirectory { directory in
                let home = "\(directory)/home"
                let cli = TidemarkBinary(home: home)
                let admin = try #require(moto.users["admin"])
                let secret = ["TIDEMARK_S3_SECRET_ACCESS_KEY": admin.secret]
                do {
                    _ = try cliObject(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo", "--output", "json"]))
                    _ = try cliObject(try await cli.run(
                        ["storage", "add", "offsite", "--s3", "--endpoint", moto.endpoint, "--bucket", moto.bucket, "--prefix", "copies", "--path-style", "--access-key-id", admin.accessKeyID, "--output", "json"],
                        environment: secret
                    ))
                    let src = try #require(try cliObject(try await cli.run(["db", "create", "src", "--no-plan", "--output", "json"]))["url"] as? String)
                    _ = try cliObject(try await cli.run(["plan", "set", "src", "--storage", "local1", "--method", "physical", "--pitr", "--copy-to", "offsite", "--output", "json"]))
                    let serve = try ServeProcess(home: home, passphrase: cli.passphrase, environment: ["TIDEMARK_WAL_GAP_CHECK_SECONDS": "1"], arguments: ["--supervisor-interval", "1"])
                    _ = try await psql("CREATE TABLE marks (v text)", url: src)
                    let backup = try #require(try cliObject(try await cli.run(["backup", "create", "src", "--output", "json"]))["id"] as? String)
                    let copy = try #require(try await backups(cli, "src").first { $0["copyOf"] as? String == backup }, "the plan's copy was made")
                    #expect(copy["method"] as? String == "physical" && copy["storage"] as? String == "offsite")
                    _ = try await psql("INSERT INTO marks VALUES ('A')", url: src)
                    let closed = try await psql("SELECT pg_walfile_name(pg_switch_wal())", url: src)
                    #expect(try await eventually(seconds: 60, every: .milliseconds(100)) {
                        try await psql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver", url: src) >= closed
                    }, "segment \(closed) was not archived")
                    #expect(try await eventually(seconds: 30, every: .milliseconds(200)) { serve.log.contains("WAL files") && serve.log.contains("to storage offsite") }, "\(serve.log.suffix(3000))")
                    // Once more after the segment is surely archived, so the sync saw it.
                    try await Task.sleep(for: .seconds(3))
                    serve.send(SIGTERM)
                    _ = try await serve.waitForExit(seconds: 30)
                    _ = try await cli.run(["db", "stop", "src"])

                    // Only the copy storage is left: a new home attaches it and recovers to the latest moment.
                    try FileManager.default.removeItem(atPath: "\(directory)/repo")
                    let fresh = TidemarkBinary(home: "\(directory)/new-home")
                    _ = try cliObject(try await fresh.run(
                        ["storage", "attach", "offsite", "--s3", "--endpoint", moto.endpoint, "--bucket", moto.bucket, "--prefix", "copies", "--path-style", "--access-key-id", admin.accessKeyID, "--output", "json"],
                        environment: secret
                    ))
                    let plan = try cliObject(try await fresh.run(["plan", "show", "src", "--output", "json"]))
                    #expect(plan["storage"] as? String == "offsite" && (plan["recoveryWindow"] as? [[String: Any]])?.isEmpty == false, "\(plan)")
                    let atLatest = try restoredURL(try await fresh.run(["restore", "src", "--at", "latest", "--to", "r1", "--output", "json"]))
                    #expect(try await rows(atLatest) == "A")
                    await removeInstances(home: "\(directory)/new-home")
                } catch {
                    Issue.record(error)
                }
                await removeInstances(home: home)
                await removeInstances(home: "\(directory)/new-home")
            }
        }
    }
}
