import Foundation
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// The result of running the real `tidemark` binary.
struct CLIResult {
    var exitCode: Int32
    var standardOutput: String
    var standardError: String

    /// Parses stdout as JSON.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(standardOutput.utf8))
    }
}

/// Runs the built `tidemark` executable with a private home, as a user would.
struct TidemarkBinary {
    var home: String
    var passphrase = "test passphrase"

    static var path: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/tidemark").path
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CLIResult {
        var variables: [String: Secret<String>] = ["TIDEMARK_HOME": Secret(home), "TIDEMARK_PASSPHRASE": Secret(passphrase), "TIDEMARK_OUTPUT_FORMAT": Secret("text")]
        for (key, value) in environment { variables[key] = Secret(value) }
        let outcome = try await SubprocessRunner().run(ProcessCommand(executable: Self.path, arguments: arguments, environment: variables))
        return CLIResult(exitCode: outcome.exitCode, standardOutput: outcome.standardOutput, standardError: outcome.standardError)
    }
}

/// The JSON object a successful `--output json` command printed.
/// - Throws: when the command failed or printed no object, with its exit code and output.
func cliObject(_ result: CLIResult) throws -> [String: Any] {
    guard result.exitCode == 0, let value = try result.json() as? [String: Any] else {
        throw TidemarkError(code: "test-cli", message: "exit \(result.exitCode): \(result.standardError) \(result.standardOutput)", category: .internal)
    }
    return value
}

/// A database with the awkward types a round trip must preserve.
let awkwardSchema = """
    CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE);
    CREATE TABLE orders (
        id bigserial PRIMARY KEY,
        customer_id int REFERENCES customers(id),
        tags text[],
        payload jsonb,
        blob bytea,
        amount numeric(12,2),
        note text,
        at timestamptz
    );
    CREATE INDEX orders_customer ON orders (customer_id);
    CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100;
    INSERT INTO customers (name, email) SELECT 'Zoë Ελένη 李 ' || i, CASE WHEN i % 7 = 0 THEN NULL ELSE 'c' || i || '@x.org' END FROM generate_series(1, 500) i;
    INSERT INTO orders (customer_id, tags, payload, blob, amount, note, at)
        SELECT 1 + i % 500, ARRAY['a' || i, NULL, 'b"c'], jsonb_build_object('k', i, 'nested', jsonb_build_array(1, 'x', NULL)),
               CASE WHEN i % 5 = 0 THEN NULL ELSE decode(md5(i::text), 'hex') END, i * 1.25,
               CASE WHEN i % 3 = 0 THEN NULL ELSE E'tab\\there\\nnewline \\\\ backslash' END, timestamptz '2026-01-01' + i * interval '1 hour'
        FROM generate_series(1, 20000) i;
    SELECT setval('orders_id_seq', 30000);
    """

/// Every row of `table`, ordered, as text: comparing two databases row by row.
func rows(of table: String, in database: String, on postgres: LocalPostgresInstance) async throws -> String {
    try await postgres.execute("SELECT t::text FROM \(table) t ORDER BY 1;", database: database)
}

/// A real PostgreSQL with database `shop` (the awkward schema) and a CLI home.
struct ShopFixture {
    var postgres: LocalPostgresInstance
    var cli: TidemarkBinary
    var directory: String

    /// The URL of `shop`, with the password, as a user types it into `db add`.
    var url: String {
        DatabaseURL.render(postgres.target(database: "shop").connection, engine: .postgres, password: postgres.password, revealPassword: true)
    }

    /// Registers storage `local1` (in `<directory>/repo`) and database `shop`.
    func register() async throws {
        _ = try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo"])
        _ = try await cli.run(["db", "add", "shop", "--url", url])
    }

    /// Takes a backup of `shop` and returns its id.
    func backup() async throws -> String {
        let result = try await cli.run(["backup", "create", "shop", "--output", "json"])
        guard let id = (try result.json() as? [String: Any])?["id"] as? String else {
            throw TidemarkError(code: "test-backup-failed", message: "backup failed: \(result.standardError)", category: .internal)
        }
        return id
    }
}

/// Runs `body` with a fresh cluster holding `shop`, and a fresh CLI home; both removed after.
func withShop(_ body: (ShopFixture) async throws -> Void) async throws {
    try await withTemporaryPostgres { postgres in
        try await withTemporaryDirectory { directory in
            try await postgres.execute("CREATE DATABASE shop;")
            try await postgres.execute(awkwardSchema, database: "shop")
            try await body(ShopFixture(postgres: postgres, cli: TidemarkBinary(home: "\(directory)/home"), directory: directory))
        }
    }
}
