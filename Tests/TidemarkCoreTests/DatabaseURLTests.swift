import Testing
import TidemarkCore

@Suite struct DatabaseURLTests {
    @Test("parses user, password, host, port, database and parameters")
    func parsesEverything() throws {
        let url = try DatabaseURL(parsing: "postgres://shop%40app:p%3Ass@db.example:6543/shop?sslmode=require", engine: .postgres)
        #expect(url.connection == DatabaseConnection(host: "db.example", port: 6543, user: "shop@app", database: "shop", parameters: ["sslmode": "require"]))
        #expect(url.password?.revealed == "p:ss")
    }

    @Test("defaults the port and user, and accepts postgresql://")
    func defaults() throws {
        let url = try DatabaseURL(parsing: "postgresql://127.0.0.1/shop", engine: .postgres)
        #expect(url.connection.port == 5432)
        #expect(url.connection.user == "postgres")
        #expect(url.password == nil)
    }

    @Test("parses IPv6 hosts")
    func ipv6() throws {
        let url = try DatabaseURL(parsing: "postgres://u:p@[::1]:5433/db", engine: .postgres)
        #expect(url.connection.host == "::1")
        #expect(url.connection.port == 5433)
        #expect(DatabaseURL.render(url.connection, engine: .postgres) == "postgres://u@[::1]:5433/db")
    }

    @Test(
        "rejects malformed URLs with invalid-url and never echoes the password",
        arguments: [
            "shop", "mysql://u:secretpw@h/db", "postgres://u:secretpw@h:99999/db", "postgres://u:secretpw@h:5432/",
            "postgres://u:secretpw@:5432/db", "postgres://u:secretpw@h:abc/db",
        ]
    )
    func rejects(_ text: String) {
        do {
            _ = try DatabaseURL(parsing: text, engine: .postgres)
            Issue.record("accepted \(text)")
        } catch let error as TidemarkError {
            #expect(error.code == "invalid-url")
            #expect(error.category == .invalidInput)
            #expect(!error.message.contains("secretpw"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("renders the password as *** unless asked to reveal it")
    func rendersRedacted() {
        let connection = DatabaseConnection(host: "h", port: 5432, user: "u", database: "d")
        #expect(DatabaseURL.render(connection, engine: .postgres, password: Secret("pw")) == "postgres://u:***@h:5432/d")
        #expect(DatabaseURL.render(connection, engine: .postgres, password: Secret("p w"), revealPassword: true) == "postgres://u:p%20w@h:5432/d")
    }
}

@Suite struct NameRuleTests {
    @Test("accepts ordinary names", arguments: ["shop", "shop_restored", "a", "Shop-2"])
    func accepts(_ name: String) throws {
        try NameRule.validate(name, what: "database")
    }

    @Test("rejects unusable names", arguments: ["", "1shop", "shop name", "shop;drop", "../x", String(repeating: "a", count: 64)])
    func rejects(_ name: String) {
        #expect(throws: TidemarkError.self) { try NameRule.validate(name, what: "database") }
    }
}

@Suite struct SecretTests {
    @Test("a secret never prints its value")
    func redacts() {
        let secret = Secret("hunter2")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
    }
}

@Suite struct HumanFormatTests {
    @Test("formats sizes and durations", arguments: [(Int64(512), "512 B"), (1536, "1.5 KiB"), (5 << 30, "5.0 GiB")])
    func sizes(_ value: Int64, _ text: String) {
        #expect(HumanFormat.bytes(value) == text)
    }

    @Test("formats durations")
    func durations() {
        #expect(HumanFormat.duration(seconds: 0.25) == "250ms")
        #expect(HumanFormat.duration(seconds: 75) == "1m15s")
        #expect(HumanFormat.duration(seconds: 3725) == "1h02m")
    }
}
