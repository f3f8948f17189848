import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// The MariaDB engine against a real MariaDB 10.11 (``withTemporaryMariaDB``): the shapes that go
/// wrong round-trip row by row into a new name, rows are counted exactly while streaming, and
/// every connection and privilege error is told apart.
@Suite struct MariaDBEngineTests {
    static let schema = """
        CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
        USE shop;
        CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200) UNIQUE, profile JSON, created DATETIME(6)) ENGINE=InnoDB;
        CREATE TABLE orders (
            id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(12,2), note TEXT, picture BLOB,
            total_cents BIGINT AS (amount * 100) PERSISTENT,
            CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customers(id)
        ) ENGINE=InnoDB;
        CREATE TABLE audit (order_id BIGINT, at DATETIME(6)) ENGINE=InnoDB;
        CREATE TABLE legacy (k INT PRIMARY KEY, v VARCHAR(20)) ENGINE=MyISAM;
        INSERT INTO customers SELECT seq, concat('cust ', seq, IF(seq % 7 = 0, ' it''s (odd); \\\\ "quoted"', ' 🐘 émile')),
            concat('c', seq, '@example.com'), JSON_OBJECT('n', seq, 'tags', JSON_ARRAY('a', 'b,c')), '2026-12-01 10:00:00.123456' FROM seq_1_to_500;
        CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit VALUES (NEW.id, '2026-12-01 00:00:00');
        INSERT INTO orders (customer_id, amount, note, picture) SELECT 1 + seq % 500, seq / 3, IF(seq % 5 = 0, NULL, concat('line one\\nline two (', seq, ')')), UNHEX(MD5(seq)) FROM seq_1_to_3000;
        INSERT INTO legacy SELECT seq, concat('v', seq) FROM seq_1_to_10;
        CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 900;
        CREATE PROCEDURE order_count(OUT n INT) SELECT COUNT(*) INTO n FROM orders;
        CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM audit WHERE at < '2000-01-01';
        """

    let engine = MariaDBEngine(runner: SubprocessRunner(), workDirectory: NSTemporaryDirectory() + "tidemark-mariadb-engine-tests")

    func rows(_ server: LocalMariaDBServer, _ table: String, database: String) async throws -> String {
        try await server.execute("SELECT * FROM \(table) ORDER BY 1", database: database)
    }

    @Test("a dump of one database restores row by row into a new name with its view, trigger, procedure and event; rows are exact; no database name is in the SQL; MyISAM is warned about")
    func roundTrip() async throws {
        try await withTemporaryMariaDB { server in
            try await server.execute(Self.schema)
            var bytes: [UInt8] = []
            var progress = (0, 0)
            let summary = try await engine.dump(server.target(database: "shop"), into: { bytes.append(contentsOf: $0) }, progress: { progress = ($0, $1) })
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("CREATE DATABASE") && !text.contains("\nUSE ") && !text.contains("`shop`."), "the dump names its database")
            let tables = Dictionary(uniqueKeysWithValues: summary.databases[0].tables.map { ($0.name, $0.rows) })
            #expect(tables == ["customers": 500, "orders": 3000, "audit": 3000, "legacy": 10], "\(tables)")
            #expect(summary.format == "mariadb-sql" && summary.serverVersion.contains("MariaDB"))
            #expect(summary.warnings.count == 1 && summary.warnings[0].contains("legacy") && summary.warnings[0].contains("MyISAM"))
            #expect(progress.0 == progress.1 && progress.1 == 4)

            let plan = try engine.planRestore(.everything, objects: summary.objects, options: RestoreOptions())
            var offset = 0
            let all = bytes
            try await engine.restore(plan, server: server.target(database: "shop"), newDatabase: "shop_copy") {
                guard offset < all.count else { return nil }
                defer { offset += 65_536 }
                return Array(all[offset..<min(all.count, offset + 65_536)])
            }
            for table in ["customers", "orders", "audit", "legacy", "big_orders"] {
                #expect(try await rows(server, table, database: "shop_copy") == (try await rows(server, table, database: "shop")), "\(table)")
            }
            #expect(try await server.execute("SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_copy'") == "utf8mb4_unicode_ci")
            #expect(try await server.execute("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop_copy'") == "1")
            #expect(try await server.execute("SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'shop_copy'") == "1")
            #expect(try await server.execute("SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop_copy'") == "1")
            // Still marked as being restored until it is published; publishing clears the mark.
            #expect(try await server.execute("SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_copy'") == "tidemark-restore in progress")
            try await engine.renameDatabase("shop_copy", to: "shop_copy", on: server.target(database: "shop"))
            #expect(try await server.execute("SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_copy'") == "")
            // A published (or anyone's) database is never dropped by a restore's clean-up.
            try await engine.dropDatabase("shop_copy", on: server.target(database: "shop"))
            #expect(try await engine.databaseExists("shop_copy", on: server.target(database: "shop")))
            // The trigger works in the copy, on the copy's own tables.
            try await server.execute("INSERT INTO orders (customer_id, amount) VALUES (1, 5)", database: "shop_copy")
            #expect(try await server.execute("SELECT COUNT(*) FROM audit", database: "shop_copy") == "3001")
            #expect(try await server.execute("SELECT COUNT(*) FROM audit", database: "shop") == "3000")
        }
    }

    @Test("one table: its structure, rows and trigger only; a foreign key to a table left out is refused, or dropped with skipMissingForeignKeys")
    func oneTable() async throws {
        try await withTemporaryMariaDB { server in
            try await server.execute(Self.schema)
            var bytes: [UInt8] = []
            let summary = try await engine.dump(server.target(database: "shop"), into: { bytes.append(contentsOf: $0) }, progress: { _, _ in })
            let all = bytes
            func restore(_ plan: RestorePlan, into name: String) async throws {
                var offset = 0
                try await engine.restore(plan, server: server.target(database: "shop"), newDatabase: name) {
                    guard offset < all.count else { return nil }
                    defer { offset += 4_096 }
                    return Array(all[offset..<min(all.count, offset + 4_096)])
                }
            }
            // customers has no foreign keys: it alone arrives, row for row.
            let customers = try engine.planRestore(.table(schema: "", name: "customers"), objects: summary.objects, options: RestoreOptions())
            try await restore(customers, into: "only_customers")
            #expect(try await server.execute("SHOW TABLES", database: "only_customers") == "customers")
            #expect(try await rows(server, "customers", database: "only_customers") == (try await rows(server, "customers", database: "shop")))

            let refused = #expect(throws: EngineError.self) { try engine.planRestore(.table(schema: "", name: "orders"), objects: summary.objects, options: RestoreOptions()) }
            #expect(refused?.kind == .missingDependency && refused?.message.contains("customers") == true)
            let missing = #expect(throws: EngineError.self) { try engine.planRestore(.table(schema: "", name: "nope"), objects: summary.objects, options: RestoreOptions()) }
            #expect(missing?.kind == .tableNotFound)

            let orders = try engine.planRestore(.table(schema: "", name: "orders"), objects: summary.objects, options: RestoreOptions(skipMissingForeignKeys: true))
            #expect(orders.skipped == ["foreign key fk_customer of orders to customers"])
            try await restore(orders, into: "only_orders")
            #expect(try await server.execute("SHOW TABLES", database: "only_orders") == "orders")
            #expect(try await rows(server, "orders", database: "only_orders") == (try await rows(server, "orders", database: "shop")))
            #expect(try await server.execute("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = 'only_orders'") == "0")
            #expect(try await server.execute("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'only_orders'") == "1", "its trigger comes with it")
        }
    }

    @Test("wrong password, closed port, unknown database and a user without TRIGGER and EVENT are told apart; a failed restore leaves nothing")
    func errors() async throws {
        try await withTemporaryMariaDB { server in
            try await server.execute("CREATE DATABASE shop; CREATE TABLE shop.t (x INT); CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY 'rpw'; GRANT SELECT ON shop.* TO 'reader'@'127.0.0.1';")
            let wrong = await #expect(throws: EngineError.self) { _ = try await engine.serverVersion(of: server.target(database: "shop", password: Secret("nope"))) }
            #expect(wrong?.kind == .authenticationFailed)
            #expect(wrong?.message.contains("nope") == false)
            var closed = server.target(database: "shop")
            closed.connection.port = try FreePort.loopback()
            let down = await #expect(throws: EngineError.self) { _ = try await engine.serverVersion(of: closed) }
            #expect(down?.kind == .databaseUnreachable)
            let missing = await #expect(throws: EngineError.self) { _ = try await engine.serverVersion(of: server.target(database: "nosuch")) }
            #expect(missing?.kind == .databaseNotFound)
            let reader = server.target(database: "shop", user: "reader", password: Secret("rpw"))
            #expect(try await engine.serverVersion(of: reader).contains("MariaDB"))
            let privileges = await #expect(throws: EngineError.self) { _ = try await engine.dump(reader, into: { _ in }, progress: { _, _ in }) }
            #expect(privileges?.kind == .permissionDenied)
            #expect(privileges?.message.contains("TRIGGER") == true && privileges?.message.contains("EVENT") == true, "\(privileges?.message ?? "")")

            // A stream that fails half-way: the new database is dropped again.
            let broken = Array("CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);\nTHIS IS NOT SQL;\n".utf8)
            var sent = false
            await #expect(throws: EngineError.self) {
                try await engine.restore(RestorePlan(scope: .everything, objectIDs: nil, skipped: []), server: server.target(database: "shop"), newDatabase: "half") {
                    defer { sent = true }
                    return sent ? nil : broken
                }
            }
            #expect(try await engine.databaseExists("half", on: server.target(database: "shop")) == false)
            let old = #expect(throws: EngineError.self) { try engine.planRestore(.table(schema: "", name: "t"), objects: [], options: RestoreOptions()) }
            #expect(old?.kind == .tableNotFound)
        }
    }
}
