import Foundation
package import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL cluster Tidemark starts on this machine: for `quickstart`, test fixtures and,
/// later, managed instances (SPEC §4.7).
///
/// `initdb` refuses to run as root, so when Tidemark runs as root the cluster belongs to the
/// `postgres` system user and the programs run through `runuser`. TCP connections need a
/// password (SCRAM), so credentials are really checked; the Unix socket lives in the data
/// directory.
package struct LocalPostgresInstance: Sendable {
    package var dataDirectory: String
    package var port: Int
    package var superuser: String
    package var password: Secret<String>
    private var tools: PostgresTools
    private var runner: any ProcessRunner

    /// The superuser's connection to database `database`.
    package func target(database: String = "postgres") -> DatabaseTarget {
        DatabaseTarget(
            connection: DatabaseConnection(host: "127.0.0.1", port: port, user: superuser, database: database),
            password: password
        )
    }

    /// Creates a cluster in `directory` (which must not exist) and starts it on `port`.
    /// - Parameter fastAndUnsafe: turns off fsync and full-page writes (tests and demos only).
    package static func create(
        in directory: String,
        port: Int,
        password: Secret<String>,
        tools: PostgresTools,
        runner: any ProcessRunner,
        fastAndUnsafe: Bool = false
    ) async throws -> LocalPostgresInstance {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let passwordFile = "\(directory)/.pwfile"
        try password.revealed.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let runAsPostgres = getuid() == 0
        if runAsPostgres {
            try await runChecked(runner, ProcessCommand(executable: "chown", arguments: ["-R", "postgres:postgres", directory]), what: "chown")
        }
        let instance = LocalPostgresInstance(
            dataDirectory: "\(directory)/data",
            port: port,
            superuser: "postgres",
            password: password,
            tools: tools,
            runner: runner
        )
        try await instance.runTool(
            "initdb",
            ["-D", instance.dataDirectory, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=\(passwordFile)", "-E", "UTF8", "--locale=C", "--no-sync"]
        )
        try? manager.removeItem(atPath: passwordFile)
        var options = "-p \(port) -k \(instance.dataDirectory) -c listen_addresses=127.0.0.1"
        if fastAndUnsafe { options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off" }
        try await instance.runTool("pg_ctl", ["-D", instance.dataDirectory, "-o", options, "-l", "\(directory)/server.log", "-w", "-t", "60", "start"])
        return instance
    }

    /// Stops the server (fast shutdown).
    package func stop() async {
        try? await runTool("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    /// Runs SQL as the superuser through psql over the Unix socket; returns standard output.
    @discardableResult
    package func execute(_ sql: String, database: String = "postgres") async throws -> String {
        let arguments = ["-h", dataDirectory, "-p", "\(port)", "-U", superuser, "-d", database, "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-q", "-t", "-A"]
        var script: [UInt8]? = Array(sql.utf8)
        let outcome = try await runner.run(command("psql", arguments)) {
            defer { script = nil }
            return script
        }
        guard outcome.succeeded else {
            throw EngineError(.restoreFailed, "SQL on the local PostgreSQL failed: \(outcome.standardError.suffix(500))")
        }
        return outcome.standardOutput
    }

    private func command(_ program: String, _ arguments: [String]) -> ProcessCommand {
        if getuid() == 0 {
            return ProcessCommand(executable: "runuser", arguments: ["-u", "postgres", "--", tools.path(program)] + arguments)
        }
        return ProcessCommand(executable: tools.path(program), arguments: arguments)
    }

    private func runTool(_ program: String, _ arguments: [String]) async throws {
        try await Self.runChecked(runner, command(program, arguments), what: program)
    }

    private static func runChecked(_ runner: any ProcessRunner, _ command: ProcessCommand, what: String) async throws {
        let outcome = try await runner.run(command)
        guard outcome.succeeded else {
            throw EngineError(
                .toolNotFound,
                "\(what) failed (exit \(outcome.exitCode)): \(outcome.standardError.suffix(800))",
                hint: "Install PostgreSQL (apt-get install -y postgresql) and check that the 'postgres' system user exists."
            )
        }
    }
}
