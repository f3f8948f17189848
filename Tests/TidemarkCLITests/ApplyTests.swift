import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// `tidemark apply -f` through the binary, against real PostgreSQL and S3-on-moto (SPEC §4.14).
@Suite struct ApplyTests {
    static func yaml(directory: String, moto: MotoServer, postgres port: Int, user: String, schedule: String) -> String {
        let s3 = moto.settings(prefix: "apply")
        return """
            # Tidemark setup, kept in version control.
            storages:
              - name: offsite
                s3:
                  endpoint: \(s3.endpoint)
                  bucket: \(s3.bucket)
                  prefix: apply
                  pathStyle: true
                  accessKeyId: \(s3.accessKeyID)
                  secretAccessKeyEnv: APPLY_S3_SECRET
              - name: nearby
                local:
                  path: \(directory)/nearby
            policies:
              - name: standard
                daily: 7
                monthly: 3
                yearly: 1
            databases:
              - name: shop
                engine: postgres
                url: postgres://\(user)@127.0.0.1:\(port)/shop
                passwordEnv: APPLY_SHOP_PASSWORD
            plans:
              - database: shop
                storage: offsite
                schedule: "\(schedule)"
                policy: standard
            """
    }

    @Test("apply creates, then changes nothing, then applies only a diff; --dry-run changes nothing; secrets only by env var")
    func applyIsIdempotent() async throws {
        try await withMotoServer(authentication: true) { moto in
            try await withShop { shop in
                let cli = shop.cli
                let file = "\(shop.directory)/tidemark.yaml"
                let environment = ["APPLY_S3_SECRET": moto.secret().revealed, "APPLY_SHOP_PASSWORD": shop.postgres.password.revealed]
                func write(schedule: String) throws {
                    try Self.yaml(directory: shop.directory, moto: moto, postgres: shop.postgres.port, user: shop.postgres.superuser, schedule: schedule)
                        .write(toFile: file, atomically: true, encoding: .utf8)
                }
                try write(schedule: "0 0 3 * * *")

                let dry = try await cli.run(["apply", "-f", file, "--dry-run"], environment: environment)
                #expect(dry.exitCode == 0, "\(dry.standardError)")
                #expect(dry.standardOutput.contains("+ storage offsite create"))
                #expect(dry.standardOutput.contains("+ plan shop create: 0 0 3 * * * to offsite, policy standard"))
                #expect(dry.standardOutput.contains("dry run: 5 changes would be made"), "\(dry.standardOutput)")
                #expect(try await cli.run(["storage", "list"]).standardOutput.contains("No storages"), "a dry run saves nothing")

                let first = try await cli.run(["apply", "-f", file], environment: environment)
                #expect(first.exitCode == 0, "\(first.standardOutput)\(first.standardError)")
                #expect(first.standardOutput.contains("applied 5 changes"), "\(first.standardOutput)")
                let plan = try #require(try await cli.run(["plan", "show", "shop", "--output", "json"]).json() as? [String: Any])
                #expect(plan["schedule"] as? String == "0 0 3 * * *")
                #expect(plan["storage"] as? String == "offsite")
                #expect(plan["policy"] as? String == "standard")

                let second = try await cli.run(["apply", "-f", file, "--output", "json"], environment: environment)
                let result = try #require(try second.json() as? [String: Any])
                #expect(result["changed"] as? Int == 0, "\(second.standardOutput)")
                let again = try await cli.run(["apply", "-f", file], environment: environment)
                #expect(again.standardOutput.contains("no changes: the catalog already matches"), "\(again.standardOutput)")

                try write(schedule: "0 30 4 * * *")
                let diff = try await cli.run(["apply", "-f", file, "--dry-run"], environment: environment)
                #expect(diff.standardOutput.contains("~ plan shop update: schedule: 0 0 3 * * * → 0 30 4 * * *"), "\(diff.standardOutput)")
                #expect(diff.standardOutput.contains("= database shop unchanged"))
                let applied = try await cli.run(["apply", "-f", file], environment: environment)
                #expect(applied.standardOutput.contains("applied 1 change"), "\(applied.standardOutput)")
                let backup = try await cli.run(["backup", "create", "shop", "--output", "json"])
                #expect((try backup.json() as? [String: Any])?["storage"] as? String == "offsite", "the applied storage and password work: \(backup.standardError)")

                // Secrets never reach output or the catalog file.
                let outputs = [dry, first, second, again, diff, applied].map { $0.standardOutput + $0.standardError }
                let catalog = try Data(contentsOf: URL(fileURLWithPath: "\(cli.home)/catalog.sqlite"))
                for secret in environment.values {
                    for output in outputs { #expect(!output.contains(secret)) }
                    #expect(catalog.range(of: Data(secret.utf8)) == nil)
                }
            }
        }
    }

    @Test("apply turns WAL archiving of an external server on (its replication slot made) and off (dropped); pitrDays is saved, and a file without it leaves the saved value")
    func applyArchiving() async throws {
        try await withShop { shop in
            let cli = shop.cli
            let file = "\(shop.directory)/archiving.yaml"
            let environment = ["APPLY_SHOP_PASSWORD": shop.postgres.password.revealed]
            func write(pitr: Bool, pitrDays: Int?) throws {
                let lines = [
                    "storages:", "  - name: nearby", "    local:", "      path: \(shop.directory)/nearby",
                    "policies:", "  - name: recovery", "    daily: 7",
                ] + (pitrDays.map { ["    pitrDays: \($0)"] } ?? []) + [
                    "databases:", "  - name: shop", "    url: postgres://\(shop.postgres.superuser)@127.0.0.1:\(shop.postgres.port)/shop",
                    "    passwordEnv: APPLY_SHOP_PASSWORD",
                    "plans:", "  - database: shop", "    storage: nearby", "    policy: recovery", "    method: physical", "    pitr: \(pitr)",
                ]
                try lines.joined(separator: "\n").appending("\n").write(toFile: file, atomically: true, encoding: .utf8)
            }
            func slots() async throws -> String {
                try await shop.postgres.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'tidemark_%'").trimmingCharacters(in: .whitespacesAndNewlines)
            }
            func json(_ arguments: [String]) async throws -> [String: Any] {
                let result = try await cli.run(arguments + ["--output", "json"])
                return try #require(try result.json() as? [String: Any], "\(result.standardError)")
            }

            try write(pitr: true, pitrDays: 3)
            let dry = try await cli.run(["apply", "-f", file, "--dry-run"], environment: environment)
            #expect(dry.standardOutput.contains("+ plan shop create: @daily to nearby, policy recovery, physical with WAL archiving"), "\(dry.standardOutput)")
            let applied = try await cli.run(["apply", "-f", file], environment: environment)
            #expect(applied.exitCode == 0, "\(applied.standardOutput)\(applied.standardError)")
            let plan = try await json(["plan", "show", "shop"])
            #expect(plan["method"] as? String == "physical" && plan["pitr"] as? Bool == true, "\(plan)")
            #expect((try await json(["policy", "show", "recovery"])["policy"] as? [String: Any])?["pitrDays"] as? Int == 3)
            let slot = try #require(try await json(["db", "show", "shop"])["walSlot"] as? String)
            #expect(try await slots() == "1", "slot \(slot) made on the server")

            try write(pitr: true, pitrDays: nil)
            let again = try await cli.run(["apply", "-f", file], environment: environment)
            #expect(again.standardOutput.contains("no changes: the catalog already matches"), "a file without pitrDays keeps the saved 3: \(again.standardOutput)")
            #expect((try await json(["policy", "show", "recovery"])["policy"] as? [String: Any])?["pitrDays"] as? Int == 3)

            try write(pitr: false, pitrDays: 5)
            let off = try await cli.run(["apply", "-f", file], environment: environment)
            #expect(off.standardOutput.contains("pitr: true → false"), "\(off.standardOutput)")
            #expect(try await json(["plan", "show", "shop"])["pitr"] as? Bool == false)
            #expect((try await json(["policy", "show", "recovery"])["policy"] as? [String: Any])?["pitrDays"] as? Int == 5)
            #expect(try await json(["db", "show", "shop"])["walSlot"] is NSNull)
            #expect(try await slots() == "0", "the slot is dropped when archiving stops")
        }
    }

    @Test("apply registers a SQLite file with its plan, then finds nothing to change; a physical plan for it is refused before anything changes")
    func applySQLite() async throws {
        try await withTemporaryDirectory { directory in
            let cli = TidemarkBinary(home: "\(directory)/home")
            let database = "\(directory)/notes.db"
            try await sqlite3(database, "CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            let file = "\(directory)/tidemark.yaml"
            func write(method: String) throws {
                try """
                    storages:
                      - name: nearby
                        local: {path: \(directory)/repo}
                    databases:
                      - name: notes
                        engine: sqlite
                        url: sqlite://\(database)
                    plans:
                      - database: notes
                        storage: nearby
                        schedule: "@daily"
                        method: \(method)
                    """.write(toFile: file, atomically: true, encoding: .utf8)
            }
            try write(method: "physical")
            let refused = try await cli.run(["apply", "-f", file])
            #expect(refused.exitCode == 2 && refused.standardError.contains("no physical backups"), "\(refused.standardError)")
            #expect((try await cli.run(["db", "list", "--output", "json"]).json() as? [Any])?.isEmpty == true, "nothing was applied")
            try write(method: "logical")
            let applied = try await cli.run(["apply", "-f", file])
            #expect(applied.exitCode == 0, "\(applied.standardError)")
            let shown = try cliObject(try await cli.run(["db", "show", "notes", "--output", "json"]))
            #expect(shown["engine"] as? String == "sqlite" && shown["url"] as? String == "sqlite://\(database)")
            let again = try await cli.run(["apply", "-f", file, "--dry-run", "--output", "json"])
            #expect(again.exitCode == 0 && !again.standardOutput.contains("\"create\"") && !again.standardOutput.contains("\"update\""), "\(again.standardOutput)")
            #expect(try await cli.run(["backup", "create", "notes"]).exitCode == 0)
        }
    }

    @Test("inline secrets, unknown keys, unset variables and dangling references are refused before anything changes")
    func refusesBadFiles() async throws {
        try await withTemporaryDirectory { directory in
            let cli = TidemarkBinary(home: "\(directory)/home")
            let file = "\(directory)/tidemark.yaml"
            let cases: [(yaml: String, message: String)] = [
                ("storages:\n  - name: s\n    s3: {endpoint: 'http://127.0.0.1:9', bucket: bkt, accessKeyId: k, secretAccessKey: hunter2}\n", "storages[0].s3.secretAccessKey is a secret written into the file"),
                ("databases:\n  - name: shop\n    url: postgres://app:hunter2@127.0.0.1:5432/shop\n", "the password in databases[0].url is a secret written into the file"),
                ("plans:\n  - database: shop\n    storage: s\n    shedule: '@daily'\n", "unknown key plans[0].shedule"),
                ("databases:\n  - name: shop\n    url: postgres://app@127.0.0.1:5432/shop\n    passwordEnv: APPLY_UNSET_VARIABLE\n", "names APPLY_UNSET_VARIABLE, which is not set"),
                ("storages:\n  - name: s\n    local: {path: relative/dir}\n", "must be an absolute path"),
                ("plans:\n  - database: shop\n    storage: s\n", "the plan names database shop, which is neither in the file nor registered"),
                ("storages: [\n", "not valid YAML"),
                ("plans:\n  - database: shop\n    storage: s\n    pitr: true\n", "has pitr: true with method logical"),
            ]
            for (yaml, message) in cases {
                try yaml.write(toFile: file, atomically: true, encoding: .utf8)
                let result = try await cli.run(["apply", "-f", file])
                #expect(result.exitCode != 0, "\(yaml)")
                #expect(result.standardError.contains(message), "\(yaml) → \(result.standardError)")
                #expect(!result.standardError.contains("hunter2"))
            }
            let missing = try await cli.run(["apply", "-f", "\(directory)/absent.yaml"])
            #expect(missing.standardError.contains("cannot read"))
        }
    }
}
