import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

#if canImport(Glibc)
    import Glibc
#endif

/// SPEC §4.12 through the real binary: the whole catalog (the Tidemark home) is lost, a new
/// home attaches the storages, and the backups are listed and restored from them.
@Suite struct CatalogLossTests: InstanceTestSupport {
    let tools = PostgresTools.discover()

    /// The fields of `backup list --output json` a rebuilt catalog must give back unchanged.
    func comparable(_ result: CLIResult) throws -> [[String: String]] {
        let list = try #require(try result.json() as? [[String: Any]], "\(result.standardError)")
        return list.map { backup in
            var fields: [String: String] = [:]
            for key in ["id", "database", "storage", "status", "trigger", "method", "startedAt", "finishedAt", "logicalBytes", "storedBytes", "expiresAt"] {
                fields[key] = backup[key].map { "\($0)" } ?? "absent"
            }
            return fields
        }.sorted { $0["id"] ?? "" < $1["id"] ?? "" }
    }

    @Test("logical backups on a local and an S3 storage: the home deleted, storage attach rebuilds database, paused plan, policy and backups; attaching again adds nothing; a restore works after the password is given again; a clashing name is renamed")
    func logicalFromLocalAndS3() async throws {
        try await withShop { shop in
            try await withMotoServer(authentication: true) { moto in
                let (cli, postgres, directory) = (shop.cli, shop.postgres, shop.directory)
                let admin = try #require(moto.users["admin"])
                let secret = ["TIDEMARK_S3_SECRET_ACCESS_KEY": admin.secret]
                let s3 = ["--s3", "--endpoint", moto.endpoint, "--bucket", moto.bucket, "--prefix", "lost", "--path-style", "--access-key-id", admin.accessKeyID]
                _ = try cliObject(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo", "--output", "json"]))
                _ = try cliObject(try await cli.run(["storage", "add", "s3a"] + s3 + ["--output", "json"], environment: secret))
                _ = try cliObject(try await cli.run(["policy", "set", "weekly", "--daily", "7", "--monthly", "0", "--yearly", "0", "--output", "json"]))
                _ = try cliObject(try await cli.run(["db", "add", "shop", "--url", shop.url, "--storage", "local1", "--schedule", "0 30 2 * * *", "--policy", "weekly", "--output", "json"]))
                let first = try await shop.backup()
                try await postgres.execute("INSERT INTO customers (name) VALUES ('after the first backup');", database: "shop")
                let second = try await shop.backup()
                let onS3 = try #require(try cliObject(try await cli.run(["backup", "create", "shop", "--storage", "s3a", "--output", "json"]))["id"] as? String)
                let before = try comparable(try await cli.run(["backup", "list", "shop", "--output", "json"]))
                #expect(before.count == 3)
                let databaseID = try #require(try cliObject(try await cli.run(["db", "show", "shop", "--output", "json"]))["id"] as? String)

                // The machine is gone: a new home knows nothing.
                try FileManager.default.removeItem(atPath: "\(directory)/home")
                let fresh = TidemarkBinary(home: "\(directory)/home")
                #expect((try await fresh.run(["backup", "list", "--output", "json"]).json() as? [Any])?.isEmpty == true)

                let empty = try await fresh.run(["storage", "attach", "nothing", "--local", "\(directory)/no-repository"])
                #expect(empty.exitCode != 0 && empty.standardError.contains("holds no Tidemark repository"), "\(empty.standardError)")
                #expect((try await fresh.run(["storage", "list", "--output", "json"]).json() as? [Any])?.isEmpty == true)
                let wrongPassphrase = TidemarkBinary(home: "\(directory)/home", passphrase: "not the passphrase")
                #expect(try await wrongPassphrase.run(["storage", "attach", "local1", "--local", "\(directory)/repo"]).exitCode != 0)

                let attached = try cliObject(try await fresh.run(["storage", "attach", "local1", "--local", "\(directory)/repo", "--output", "json"]))
                #expect(attached["backupsAdded"] as? Int == 2 && attached["backupsKnown"] as? Int == 0, "\(attached)")
                let rebuilt = try #require((attached["databases"] as? [[String: Any]])?.first)
                #expect(rebuilt["name"] as? String == "shop" && rebuilt["registered"] as? Bool == true && rebuilt["planRestored"] as? Bool == true)
                let text = try await fresh.run(["storage", "attach", "local1", "--local", "\(directory)/repo"])
                #expect(text.exitCode == 0 && text.standardOutput.contains("2 backup(s) in the repository: 0 recorded, 2 already known"), "\(text.standardOutput)")

                let database = try cliObject(try await fresh.run(["db", "show", "shop", "--output", "json"]))
                #expect(database["id"] as? String == databaseID)
                #expect((database["url"] as? String)?.contains("/shop") == true)
                let plan = try cliObject(try await fresh.run(["plan", "show", "shop", "--output", "json"]))
                #expect(plan["paused"] as? Bool == true && plan["schedule"] as? String == "0 30 2 * * *" && plan["policy"] as? String == "weekly" && plan["storage"] as? String == "local1", "\(plan)")
                let policy = try cliObject(try await fresh.run(["policy", "show", "weekly", "--output", "json"]))
                #expect(((policy["policy"] as? [String: Any]) ?? policy)["daily"] as? Int == 7, "\(policy)")

                _ = try cliObject(try await fresh.run(["storage", "attach", "s3a"] + s3 + ["--output", "json"], environment: secret))
                let after = try comparable(try await fresh.run(["backup", "list", "shop", "--output", "json"]))
                #expect(after == before)
                let contents = try cliObject(try await fresh.run(["backup", "show", second, "--output", "json"]))
                let tables = (contents["databases"] as? [[String: Any]])?.first?["tables"] as? [[String: Any]]
                #expect(tables?.first { $0["name"] as? String == "customers" }?["rows"] as? Int == 501, "\(contents)")

                // Without the password the rebuilt database cannot be reached; with it, restores work.
                let updated = try await fresh.run(["db", "update", "shop", "--url", shop.url])
                #expect(updated.exitCode == 0, "\(updated.standardError)")
                for (backup, name) in [(first, "shop_local_after_loss"), (onS3, "shop_s3_after_loss")] {
                    let restored = try await fresh.run(["restore", backup, "--to", name])
                    #expect(restored.exitCode == 0, "\(restored.standardError)")
                }
                #expect(try await TidemarkCLITests.rows(of: "orders", in: "shop_s3_after_loss", on: postgres) == (try await TidemarkCLITests.rows(of: "orders", in: "shop", on: postgres)))
                #expect(try await TidemarkCLITests.rows(of: "customers", in: "shop_s3_after_loss", on: postgres) == (try await TidemarkCLITests.rows(of: "customers", in: "shop", on: postgres)))
                #expect(try await postgres.execute("SELECT count(*) FROM customers;", database: "shop_local_after_loss").trimmingCharacters(in: .whitespacesAndNewlines) == "500")

                // A third home where another database is called shop: the attached one is renamed.
                let other = TidemarkBinary(home: "\(directory)/home3")
                let otherURL = DatabaseURL.render(postgres.target(database: "postgres").connection, engine: .postgres, password: postgres.password, revealPassword: true)
                _ = try cliObject(try await other.run(["db", "add", "shop", "--url", otherURL, "--no-plan", "--output", "json"]))
                let renamed = try cliObject(try await other.run(["storage", "attach", "s3a"] + s3 + ["--output", "json"], environment: secret))
                let renamedDatabase = try #require((renamed["databases"] as? [[String: Any]])?.first)
                let newName = try #require(renamedDatabase["name"] as? String)
                #expect(newName.hasPrefix("shop-") && renamedDatabase["renamedFrom"] as? String == "shop", "\(renamed)")
                let listed = try #require(try await other.run(["backup", "list", newName, "--output", "json"]).json() as? [[String: Any]])
                #expect(listed.map { $0["id"] as? String } == [onS3])
            }
        }
    }

    @Test("a physical backup with archived WAL: the home is lost, storage attach brings back the backup and the recovery window, and restore --at latest works from a new home")
    func physicalWithRecoveryWindow() async throws {
        try await withTemporaryDirectory { directory in
            let home = "\(directory)/home"
            let lost = "\(directory)/lost-home"
            let newHome = "\(directory)/new-home"
            let cli = TidemarkBinary(home: home)
            do {
                _ = try cliObject(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo", "--output", "json"]))
                let src = try #require(try cliObject(try await cli.run(["db", "create", "src", "--no-plan", "--output", "json"]))["url"] as? String)
                _ = try cliObject(try await cli.run(["plan", "set", "src", "--method", "physical", "--pitr", "--output", "json"]))
                let serve = try ServeProcess(home: home, passphrase: cli.passphrase, arguments: ["--supervisor-interval", "1"])
                _ = try await psql("CREATE TABLE marks (v text)", url: src)
                let backup = try #require(try cliObject(try await cli.run(["backup", "create", "src", "--output", "json"]))["id"] as? String)
                _ = try await psql("INSERT INTO marks VALUES ('A')", url: src)
                let closed = try await psql("SELECT pg_walfile_name(pg_switch_wal())", url: src)
                #expect(try await eventually(seconds: 60, every: .milliseconds(100)) {
                    try await psql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver", url: src) >= closed
                }, "segment \(closed) was not archived")
                let window = try #require(try cliObject(try await cli.run(["plan", "show", "src", "--output", "json"]))["recoveryWindow"] as? [[String: Any]])
                serve.send(SIGTERM)
                _ = try await serve.waitForExit(seconds: 30)
                _ = try await cli.run(["db", "stop", "src"])
                // The machine is gone (kept aside only so its stopped instance can be removed).
                try FileManager.default.moveItem(atPath: home, toPath: lost)

                let fresh = TidemarkBinary(home: newHome)
                let attached = try cliObject(try await fresh.run(["storage", "attach", "local1", "--local", "\(directory)/repo", "--output", "json"]))
                let rebuilt = try #require((attached["databases"] as? [[String: Any]])?.first, "\(attached)")
                #expect(rebuilt["wasManaged"] as? Bool == true && rebuilt["wasArchiving"] as? Bool == true)
                let listed = try #require(try await fresh.run(["backup", "list", "src", "--output", "json"]).json() as? [[String: Any]])
                #expect(listed.map { $0["id"] as? String } == [backup] && listed.first?["method"] as? String == "physical")
                let plan = try cliObject(try await fresh.run(["plan", "show", "src", "--output", "json"]))
                #expect(plan["paused"] as? Bool == true && plan["method"] as? String == "physical")
                let rebuiltWindow = try #require(plan["recoveryWindow"] as? [[String: Any]], "\(plan)")
                #expect(rebuiltWindow.first?["earliest"] as? String == window.first?["earliest"] as? String)
                #expect((rebuiltWindow.first?["latest"] as? String ?? "") >= (window.first?["latest"] as? String ?? "~"), "\(rebuiltWindow) vs \(window)")

                let atLatest = try restoredURL(try await fresh.run(["restore", "src", "--at", "latest", "--to", "r1", "--output", "json"]))
                #expect(try await rows(atLatest) == "A")
                let plain = try restoredURL(try await fresh.run(["restore", backup, "--to", "r2", "--output", "json"]))
                #expect(try await rows(plain) == "")
            } catch {
                Issue.record(error)
            }
            await removeInstances(home: home)
            await removeInstances(home: lost)
            await removeInstances(home: newHome)
        }
    }
}
