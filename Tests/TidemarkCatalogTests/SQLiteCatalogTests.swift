import Foundation
import Testing
import TidemarkCatalog
import TidemarkCore
import TidemarkTesting

@Suite struct SQLiteCatalogTests {
    func database(_ name: String, password: String) -> DatabaseRecord {
        DatabaseRecord(
            name: name,
            engine: .postgres,
            connection: DatabaseConnection(host: "127.0.0.1", port: 5432, user: "app", database: name),
            password: Secret(password),
            createdAt: Date(timeIntervalSince1970: 1_700_000_000)
        )
    }

    @Test("database passwords are sealed: never in plain text in the catalog file, readable back with the key")
    func sealsPasswords() async throws {
        try await withTemporaryDirectory { home in
            let password = "s3cr3t-\(Identifier.make())"
            do {
                let catalog = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: try SecretSealer.load(home: home, environment: [:]))
                try await catalog.insertDatabase(database("shop", password: password))
            }
            for file in try FileManager.default.contentsOfDirectory(atPath: home) {
                let bytes = FileManager.default.contents(atPath: "\(home)/\(file)") ?? Data()
                #expect(bytes.range(of: Data(password.utf8)) == nil, "password found in \(file)")
            }
            let reopened = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: try SecretSealer.load(home: home, environment: [:]))
            #expect(try await reopened.database(named: "shop")?.password?.revealed == password)
            let otherKey = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: SecretSealer(key: Array(repeating: 7, count: 32)))
            let error = await #expect(throws: CatalogError.self) { _ = try await otherKey.database(named: "shop") }
            #expect(error?.kind == .sealedSecretUnreadable)
        }
    }

    @Test("every database has a stable id: kept across reopen, and given (distinct, UUID-shaped) to rows of a catalog from before ids existed")
    func databaseIDs() async throws {
        try await withTemporaryDirectory { home in
            let path = "\(home)/catalog.sqlite"
            let shop = database("shop", password: "a")
            do {
                let catalog = try SQLiteCatalog(path: path, sealer: try SecretSealer.load(home: home, environment: [:]))
                try await catalog.insertDatabase(shop)
                try await catalog.insertDatabase(database("crm", password: "b"))
                #expect(try await catalog.database(named: "shop")?.id == shop.id)
            }
            // The catalog as migration 15 left it: the columns and indexes of migrations 16 and
            // later (only ADD COLUMN and CREATE INDEX statements) undone.
            _ = try await sqlite3(path, Self.undo(CatalogMigrations.all.dropFirst(15)) + "PRAGMA user_version = 15;")
            let migrated = try SQLiteCatalog(path: path, sealer: try SecretSealer.load(home: home, environment: [:]))
            let ids = try await migrated.databases().map(\.id)
            #expect(ids.count == 2 && Set(ids).count == 2, "\(ids)")
            #expect(ids.allSatisfy { UUID(uuidString: $0) != nil && $0 == $0.lowercased() }, "\(ids)")
        }
    }

    /// SQL that takes back `migrations`, made only of `ALTER TABLE t ADD COLUMN c` and
    /// `CREATE [UNIQUE] INDEX i` statements (with `UPDATE`s, which need no undoing).
    static func undo(_ migrations: some Sequence<String>) -> String {
        var indexes: [String] = []
        var columns: [String] = []
        for statement in migrations.flatMap({ $0.split(separator: ";") }) {
            let words = statement.split(whereSeparator: \.isWhitespace).map(String.init)
            if words.starts(with: ["ALTER", "TABLE"]), words.count >= 6, words[3...4] == ["ADD", "COLUMN"] {
                columns.append("ALTER TABLE \(words[2]) DROP COLUMN \(words[5]);")
            } else if let at = words.firstIndex(of: "INDEX"), words.first == "CREATE", at + 1 < words.count {
                indexes.append("DROP INDEX \(words[at + 1]);")
            }
        }
        return (indexes + columns.reversed()).joined(separator: "\n")
    }

    @Test("webhook deliveries are claimed once until their lease ends, and go with their webhook")
    func webhookDeliveryClaims() async throws {
        try await withTemporaryDirectory { home in
            let catalog = try SQLiteCatalog(path: "\(home)/c.sqlite", sealer: SecretSealer(key: Array(repeating: 1, count: 32)))
            let start = Date(timeIntervalSince1970: 1_700_000_000)
            let secret = "hook-secret-\(Identifier.make())"
            let webhook = WebhookRecord(name: "ops", url: "http://127.0.0.1:9/hook", events: [.backupFailed], database: "shop", secret: Secret(secret), createdAt: start)
            try await catalog.insertWebhook(webhook)
            #expect(try await catalog.webhook(named: "ops") == webhook)
            let conflict = await #expect(throws: CatalogError.self) { try await catalog.insertWebhook(webhook) }
            #expect(conflict?.kind == .nameConflict)
            let deliveries = (0..<3).map {
                WebhookDelivery(id: "d\($0)", webhook: "ops", event: .backupFailed, body: "{}", nextAttemptAt: start.addingTimeInterval(Double($0)), createdAt: start)
            }
            try await catalog.insertDeliveries(deliveries)
            let first = try await catalog.claimDueDeliveries(now: start.addingTimeInterval(1), leaseUntil: start.addingTimeInterval(60), limit: 10)
            #expect(first.map(\.id) == ["d0", "d1"], "only those due")
            let again = try await catalog.claimDueDeliveries(now: start.addingTimeInterval(2), leaseUntil: start.addingTimeInterval(60), limit: 10)
            #expect(again.map(\.id) == ["d2"], "claimed ones are held until the lease ends")
            let afterLease = try await catalog.claimDueDeliveries(now: start.addingTimeInterval(61), leaseUntil: start.addingTimeInterval(120), limit: 1)
            #expect(afterLease.count == 1, "an attempt whose process died is tried again after the lease")
            var delivered = first[0]
            delivered.status = .delivered
            try await catalog.updateDelivery(delivered)
            #expect(try await catalog.deliveries(webhook: "ops", limit: 10).count == 3)
            try await catalog.deleteWebhook(named: "ops")
            #expect(try await catalog.deliveries(webhook: nil, limit: 10).isEmpty, "deliveries go with their webhook")
            for file in try FileManager.default.contentsOfDirectory(atPath: home) {
                let bytes = FileManager.default.contents(atPath: "\(home)/\(file)") ?? Data()
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "webhook secret found in \(file)")
            }
        }
    }

    @Test("names are unique: a second insert is a name conflict")
    func nameConflict() async throws {
        try await withTemporaryDirectory { home in
            let catalog = try SQLiteCatalog(path: "\(home)/c.sqlite", sealer: SecretSealer(key: Array(repeating: 1, count: 32)))
            try await catalog.insertDatabase(database("shop", password: "a"))
            let error = await #expect(throws: CatalogError.self) { try await catalog.insertDatabase(database("shop", password: "b")) }
            #expect(error?.kind == .nameConflict)
            #expect(error?.message == "a database named shop already exists")
        }
    }

    @Test("operations keep status, step, error and logs across reopen")
    func operationsAreDurable() async throws {
        try await withTemporaryDirectory { home in
            let sealer = SecretSealer(key: Array(repeating: 1, count: 32))
            var operation = OperationRecord(id: "op1", kind: .backup, status: .running, step: "dumping", attempt: 1, summary: "backup shop", createdAt: Date())
            do {
                let catalog = try SQLiteCatalog(path: "\(home)/c.sqlite", sealer: sealer)
                try await catalog.insertOperation(operation)
                operation.status = .failed
                operation.lastError = ErrorInfo(code: "database-unreachable", message: "cannot reach PostgreSQL")
                operation.isRetryable = true
                try await catalog.updateOperation(operation)
                try await catalog.appendLog(operationID: "op1", line: OperationLogLine(time: Date(), level: "error", message: "boom"))
            }
            let catalog = try SQLiteCatalog(path: "\(home)/c.sqlite", sealer: sealer)
            let stored = try #require(try await catalog.operation(id: "op1"))
            #expect(stored.status == .failed)
            #expect(stored.step == "dumping")
            #expect(stored.isRetryable)
            #expect(stored.lastError?.code == "database-unreachable")
            #expect(try await catalog.logs(operationID: "op1").map(\.message) == ["boom"])
            #expect(try await catalog.operations(status: .failed).map(\.id) == ["op1"])
        }
    }
}
