import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// MariaDB databases through the real binary (issue 18): the password apart from the URL,
/// backups on plans, exact rows in `backup show`, restore into a new database on the same
/// server, an export the `mariadb` client loads, refusals with their exit codes.
@Suite struct MariaDBEndToEndTests {
    func object(_ result: CLIResult) throws -> [String: Any] { try cliObject(result) }

    @Test("db add with TIDEMARK_DB_PASSWORD, backup, show, restore into a new name, export loaded by mariadb, one-table restores, taken names refused")
    func lifeCycle() async throws {
        try await withTemporaryMariaDB { server in
            try await withTemporaryDirectory { directory in
                try await server.execute("""
                    CREATE DATABASE shop;
                    USE shop;
                    CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100)) ENGINE=InnoDB;
                    CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT, note TEXT, FOREIGN KEY (customer_id) REFERENCES customers(id)) ENGINE=InnoDB;
                    INSERT INTO customers SELECT seq, concat('it''s ', seq, ' 🐘') FROM seq_1_to_200;
                    INSERT INTO orders SELECT seq, 1 + seq % 200, concat('(', seq, ');') FROM seq_1_to_1000;
                    CREATE TABLE legacy (k INT PRIMARY KEY) ENGINE=MyISAM;
                    INSERT INTO legacy VALUES (1), (2);
                    CREATE DATABASE taken;
                    """)
                let cli = TidemarkBinary(home: "\(directory)/home")
                let url = "mariadb://root@127.0.0.1:\(server.port)/shop"
                let withPassword = ["TIDEMARK_DB_PASSWORD": server.password.revealed]
                _ = try object(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo", "--output", "json"]))

                let wrong = try await cli.run(["db", "add", "bad", "--engine", "mariadb", "--url", url], environment: ["TIDEMARK_DB_PASSWORD": "wrong"])
                #expect(wrong.exitCode == 5 && wrong.standardError.contains("rejected the credentials"), "\(wrong.standardError)")
                let physical = try await cli.run(["db", "add", "phys", "--engine", "mariadb", "--url", url, "--method", "physical"], environment: withPassword)
                #expect(physical.exitCode == 2 && physical.standardError.contains("no physical backups"), "\(physical.standardError)")
                let managed = try await cli.run(["db", "create", "m", "--engine", "mariadb"])
                #expect(managed.exitCode != 0 && managed.standardError.contains("cannot be managed"), "\(managed.standardError)")

                let added = try object(try await cli.run(["db", "add", "shopm", "--engine", "mariadb", "--url", url, "--output", "json"], environment: withPassword))
                #expect(added["engine"] as? String == "mariadb")
                #expect((added["url"] as? String)?.contains(server.password.revealed) == false)

                let backup = try object(try await cli.run(["backup", "create", "shopm", "--output", "json"]))
                let id = try #require(backup["id"] as? String)
                let shown = try object(try await cli.run(["backup", "show", id, "--output", "json"]))
                let tables = try #require((shown["databases"] as? [[String: Any]])?.first?["tables"] as? [[String: Any]])
                let rows = Dictionary(uniqueKeysWithValues: tables.compactMap { table in (table["name"] as? String).map { ($0, table["rows"] as? Int ?? -1) } })
                #expect(rows == ["customers": 200, "orders": 1000, "legacy": 2], "\(rows)")
                let warnings = try #require(shown["warnings"] as? [String])
                #expect(warnings.count == 1 && warnings[0].contains("legacy"), "\(warnings)")
                let text = try await cli.run(["backup", "show", id])
                #expect(text.standardOutput.contains("warning:    ") && text.standardOutput.contains("MyISAM"), "\(text.standardOutput)")

                let tested = try await cli.run(["backup", "test", id])
                #expect(tested.exitCode == 0 && tested.standardOutput.contains("3 tables as recorded"), "\(tested.standardOutput) \(tested.standardError)")
                #expect(try await server.execute("SHOW DATABASES LIKE 'tidemark_test_%'") == "", "the scratch database is dropped")
                let restore = try await cli.run(["restore", id, "--to", "shop_copy"])
                #expect(restore.exitCode == 0, "\(restore.standardError)")
                for table in ["customers", "orders"] {
                    #expect(try await server.execute("SELECT * FROM \(table) ORDER BY id", database: "shop_copy") == (try await server.execute("SELECT * FROM \(table) ORDER BY id", database: "shop")))
                }
                #expect(try await server.execute("SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_copy'") == "")
                let taken = try await cli.run(["restore", id, "--to", "taken"])
                #expect(taken.exitCode == 4 && taken.standardError.contains("already exists"), "\(taken.standardError)")
                #expect(try await server.execute("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'taken'") == "1", "a refused restore never drops the name it found taken")
                // One table: refused while its foreign key's table is left out, then with the key dropped.
                let table = try await cli.run(["restore", id, "--to", "one", "--table", "orders"])
                #expect(table.exitCode == 2 && table.standardError.contains("foreign keys to customers"), "\(table.standardError)")
                let skipped = try await cli.run(["restore", id, "--to", "one", "--table", "orders", "--skip-missing-foreign-keys"])
                #expect(skipped.exitCode == 0, "\(skipped.standardError)")
                #expect(try await server.execute("SHOW TABLES", database: "one") == "orders")
                #expect(try await server.execute("SELECT COUNT(*) FROM orders", database: "one") == "1000")
                let qualified = try await cli.run(["restore", id, "--to", "two", "--table", "shop.customers"])
                #expect(qualified.exitCode == 0, "\(qualified.standardError)")
                #expect(try await server.execute("SELECT COUNT(*) FROM customers", database: "two") == "200")

                let exported = "\(directory)/shop.sql"
                let export = try await cli.run(["backup", "export", id, "--out", exported])
                #expect(export.exitCode == 0 && export.standardOutput.contains("mariadb DB < \(exported)"), "\(export.standardOutput)")
                try await server.execute("CREATE DATABASE loaded")
                let load = try await SubprocessRunner().run(ProcessCommand(
                    executable: "/bin/sh", arguments: ["-c", "/usr/bin/mariadb --no-defaults --socket='\(server.directory)/mysqld.sock' -uroot loaded < '\(exported)'"]
                ))
                #expect(load.succeeded, "\(load.standardError)")
                #expect(try await server.execute("SELECT COUNT(*) FROM orders", database: "loaded") == "1000")
                #expect(try FileManager.default.contentsOfDirectory(atPath: "\(directory)/home/tmp").isEmpty, "client options files are removed")
            }
        }
    }
}
