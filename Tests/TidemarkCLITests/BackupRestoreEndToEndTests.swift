import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

@Suite struct BackupRestoreEndToEndTests {
    @Test("back up, inspect, verify, restore and export a real database; the copy matches row by row")
    func roundTrip() async throws {
        try await withShop { shop in
            let (postgres, directory) = (shop.postgres, shop.directory)
            let (cli, url) = (shop.cli, shop.url)

            #expect(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo"]).exitCode == 0)
            let added = try await cli.run(["db", "add", "shop", "--engine", "postgres", "--url", url])
            #expect(added.exitCode == 0, "\(added.standardError)")
            #expect(!added.standardOutput.contains(postgres.password.revealed))

            let created = try await cli.run(["backup", "create", "shop", "--output", "json"])
            #expect(created.exitCode == 0, "\(created.standardError)")
            let backup = try #require(try created.json() as? [String: Any])
            let id = try #require(backup["id"] as? String)
            #expect(backup["status"] as? String == "completed")
            #expect(backup.keys.contains("expiresAt"))
            let tables = try #require(((backup["databases"] as? [[String: Any]])?.first?["tables"]) as? [[String: Any]])
            let counts = Dictionary(uniqueKeysWithValues: tables.map { ($0["name"] as? String ?? "", $0["rows"] as? Int ?? -1) })
            #expect(counts == ["customers": 500, "orders": 20000])

            let listed = try await cli.run(["backup", "list", "shop", "--output", "json"])
            #expect((try listed.json() as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            let shown = try await cli.run(["backup", "show", id])
            #expect(shown.standardOutput.contains("public.orders") && shown.standardOutput.contains("20000"))

            let verified = try await cli.run(["backup", "verify", id, "--read-data"])
            #expect(verified.exitCode == 0, "\(verified.standardError)")

            let restored = try await cli.run(["restore", id, "--to", "shop_restored"])
            #expect(restored.exitCode == 0, "\(restored.standardError)")
            #expect(restored.standardOutput.contains("/shop_restored"))
            for table in ["customers", "orders", "big_orders"] {
                let original = try await rows(of: table, in: "shop", on: postgres)
                #expect(try await rows(of: table, in: "shop_restored", on: postgres) == original, "table \(table) differs")
            }
            #expect(try await postgres.execute("SELECT last_value FROM orders_id_seq;", database: "shop_restored").contains("30000"))

            let exported = try await cli.run(["backup", "export", id, "--out", "\(directory)/shop.dump"])
            #expect(exported.exitCode == 0, "\(exported.standardError)")
            let listing = try await SubprocessRunner().run(ProcessCommand(executable: PostgresTools.discover().path("pg_restore"), arguments: ["-l", "\(directory)/shop.dump"]))
            #expect(listing.succeeded && listing.standardOutput.contains("TABLE DATA public orders"))

            let operations = try await cli.run(["op", "list", "--output", "json"])
            let kinds = (try operations.json() as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
            // Retention runs after every backup (SPEC §4.3).
            #expect(Set(kinds) == ["backup", "retention", "verify", "restore", "export"])
        }
    }

    @Test("one table restores alone; a foreign key to a missing table is refused unless skipped")
    func tableRestore() async throws {
        try await withShop { shop in
            let (postgres, cli) = (shop.postgres, shop.cli)
            try await shop.register()
            let id = try await shop.backup()

            let customers = try await cli.run(["restore", id, "--to", "only_customers", "--table", "public.customers"])
            #expect(customers.exitCode == 0, "\(customers.standardError)")
            #expect(try await rows(of: "customers", in: "only_customers", on: postgres) == (try await rows(of: "customers", in: "shop", on: postgres)))
            let relations = try await postgres.execute("SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace;", database: "only_customers")
            #expect(relations.trimmingCharacters(in: .whitespacesAndNewlines) == "customers,customers_email_key,customers_id_seq,customers_pkey")

            let refused = try await cli.run(["restore", id, "--to", "only_orders", "--table", "public.orders"])
            #expect(refused.exitCode == 2)
            #expect(refused.standardError.contains("error: table public.orders has foreign key orders_customer_id_fkey referencing public.customers"))
            #expect(refused.standardError.contains("hint:") && refused.standardError.contains("--skip-missing-foreign-keys"))
            #expect(try await postgres.execute("SELECT count(*) FROM pg_database WHERE datname = 'only_orders';").contains("0"))

            let skipped = try await cli.run(["restore", id, "--to", "only_orders", "--table", "public.orders", "--skip-missing-foreign-keys"])
            #expect(skipped.exitCode == 0, "\(skipped.standardError)")
            #expect(skipped.standardError.contains("skipped foreign key orders_customer_id_fkey"))
            #expect(try await rows(of: "orders", in: "only_orders", on: postgres) == (try await rows(of: "orders", in: "shop", on: postgres)))

            let missing = try await cli.run(["restore", id, "--to", "nothing", "--table", "public.nope"])
            #expect(missing.exitCode == 3)
            #expect(missing.standardError.contains("error: table public.nope is not in this backup"))
        }
    }
}
