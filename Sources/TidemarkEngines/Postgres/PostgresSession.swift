import Foundation
import TidemarkCore

/// How psql and pg_basebackup reach one PostgreSQL cluster: a managed instance over the Unix
/// socket in its data directory as `postgres` (trusted, no password), or an external server
/// over TCP with its role's password in `PGPASSWORD`.
struct PostgresSession: Sendable {
    let runner: any ProcessRunner
    let tools: PostgresTools
    /// `-h`, `-p`, `-U`.
    let connection: [String]
    let environment: [String: Secret<String>]
    /// The database SQL runs in unless told otherwise.
    let database: String
    /// The server, for error messages ("the managed instance", "PostgreSQL at host:port").
    let described: String
    /// The server's address for the error classifier; nil for a managed instance.
    let target: DatabaseConnection?

    static func managed(_ instance: ManagedInstance, runner: any ProcessRunner, tools: PostgresTools) -> PostgresSession {
        PostgresSession(
            runner: runner, tools: tools, connection: ["-h", instance.dataDirectory, "-p", "\(instance.port)", "-U", "postgres"],
            environment: [:], database: "postgres", described: "the managed instance", target: nil
        )
    }

    static func server(_ target: DatabaseTarget, runner: any ProcessRunner, tools: PostgresTools) -> PostgresSession {
        var environment: [String: Secret<String>] = ["PGCONNECT_TIMEOUT": Secret("10"), "PGAPPNAME": Secret("tidemark")]
        if let password = target.password { environment["PGPASSWORD"] = password }
        if let mode = target.connection.parameters["sslmode"] { environment["PGSSLMODE"] = Secret(mode) }
        let connection = target.connection
        return PostgresSession(
            runner: runner, tools: tools, connection: ["-h", connection.host, "-p", "\(connection.port)", "-U", connection.user],
            environment: environment, database: connection.database, described: "PostgreSQL at \(connection.host):\(connection.port)", target: connection
        )
    }

    /// Runs SQL through psql; returns standard output (fields separated by `|`).
    @discardableResult
    func execute(_ sql: String, database: String? = nil, variables: [String: String] = [:], failure: EngineError.Code = .restoreFailed) async throws -> String {
        var arguments = connection + ["-d", database ?? self.database, "--no-password", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-q", "-t", "-A", "-F", "|"]
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) { arguments.append("--set=\(name)=\(value)") }
        // SQL through stdin: psql expands :'name' variables only in scripts, and no value
        // (a password) reaches a command line.
        var script: [UInt8]? = Array(sql.utf8)
        let outcome = try await runner.run(ProcessCommand(executable: tools.path("psql"), arguments: arguments, environment: environment)) {
            defer { script = nil }
            return script
        }
        guard outcome.succeeded else { throw error(outcome, doing: "SQL", failure: failure) }
        return outcome.standardOutput
    }

    /// A typed error for a failed program: the classifier's for an external server (credentials,
    /// reachability), the tool's own words for a managed instance.
    func error(_ outcome: ProcessOutcome, doing action: String, failure: EngineError.Code) -> EngineError {
        if let target { return PostgresErrorClassifier.classify(outcome.standardError, target: target, doing: action, failure: failure) }
        return EngineError(failure, "\(action) on \(described) failed: \(outcome.standardError.suffix(600).trimmingCharacters(in: .whitespacesAndNewlines))")
    }
}
