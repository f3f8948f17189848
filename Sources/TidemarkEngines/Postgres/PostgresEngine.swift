import Foundation
package import TidemarkCore

/// The PostgreSQL engine: `pg_dump -Fc -Z0` streamed out, `pg_restore` streamed in.
///
/// The dump is PostgreSQL's own custom format, uncompressed, so that (a) concatenating a
/// backup's chunks gives a file `pg_restore` reads (`backup export`), (b) unchanged rows give
/// identical bytes from one backup to the next and deduplicate, and (c) one table can be
/// restored with a `pg_restore --use-list`. Passwords reach the tools in `PGPASSWORD`, never
/// in argv.
package struct PostgresEngine: DatabaseEngine {
    package let kind = EngineKind.postgres
    package var capabilities: EngineCapabilities { Self.capabilities }
    /// Everything, for logical and physical backups alike.
    package static let capabilities = EngineCapabilities(
        location: .server, physicalBackups: true, tableRestore: true, pointInTimeRecovery: true, managedInstances: true,
        defaultSchema: "public", streamFormat: "pg_dump-custom", streamExtension: "pgdump"
    )
    private let runner: any ProcessRunner
    private let tools: PostgresTools

    package init(runner: any ProcessRunner, tools: PostgresTools) {
        self.runner = runner
        self.tools = tools
    }

    package func serverVersion(of target: DatabaseTarget) async throws -> String {
        let outcome = try await psql(target, sql: "SELECT current_setting('server_version');")
        guard outcome.succeeded else { throw PostgresErrorClassifier.classify(outcome.standardError, target: target.connection, doing: "connecting") }
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    package func databaseExists(_ name: String, on target: DatabaseTarget) async throws -> Bool {
        let outcome = try await psql(target, sql: "SELECT 1 FROM pg_database WHERE datname = :'name';", variables: ["name": name])
        guard outcome.succeeded else { throw PostgresErrorClassifier.classify(outcome.standardError, target: target.connection, doing: "checking databases") }
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    package func renameDatabase(_ name: String, to newName: String, on target: DatabaseTarget) async throws {
        var outcome = try await psql(target, sql: "ALTER DATABASE :\"name\" RENAME TO :\"new\";", variables: ["name": name, "new": newName])
        // pg_restore has exited, but its server session may take a moment to end; a rename
        // needs the database to have no sessions.
        for _ in 0..<40 where !outcome.succeeded && outcome.standardError.contains("is being accessed by other users") {
            try await Task.sleep(for: .milliseconds(250))
            outcome = try await psql(target, sql: "ALTER DATABASE :\"name\" RENAME TO :\"new\";", variables: ["name": name, "new": newName])
        }
        guard outcome.succeeded else {
            throw PostgresErrorClassifier.classify(outcome.standardError, target: target.connection, doing: "renaming database \(name) to \(newName)", failure: .restoreFailed)
        }
    }

    package func dropDatabase(_ name: String, on target: DatabaseTarget) async throws {
        // A client killed during CREATE DATABASE leaves its server session running, and the
        // database appears when that session commits, after the client is gone: end such
        // sessions first (waiting up to 5 s each), so "dropped" means gone for good.
        let sql = """
            SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND query ILIKE 'CREATE DATABASE%' AND position(:'name' IN query) > 0;
            DROP DATABASE IF EXISTS :"name" WITH (FORCE);
            """
        let outcome = try await psql(target, sql: sql, variables: ["name": name])
        guard outcome.succeeded else {
            throw PostgresErrorClassifier.classify(outcome.standardError, target: target.connection, doing: "dropping database \(name)", failure: .restoreFailed)
        }
    }

    package func dump(
        _ target: DatabaseTarget,
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ tablesDone: Int, _ tablesTotal: Int) -> Void
    ) async throws -> DumpSummary {
        var scanner = CustomArchiveScanner()
        let (executable, arguments) = tools.bufferedOutput(
            "pg_dump", connectionArguments(target.connection) + ["--format=custom", "--compress=0", "--lock-wait-timeout=60000"]
        )
        let command = ProcessCommand(executable: executable, arguments: arguments, environment: environment(target))
        var reported = -1
        let outcome = try await runner.run(command) { buffer in
            try scanner.consume(buffer)
            try await sink(buffer)
            if scanner.tablesDone != reported {
                reported = scanner.tablesDone
                progress(scanner.tablesDone, scanner.tablesTotal)
            }
        }
        guard outcome.succeeded else {
            throw PostgresErrorClassifier.classify(outcome.standardError, target: target.connection, doing: "dumping", failure: .dumpFailed)
        }
        try scanner.finish()
        return Self.summary(of: scanner, database: target.connection.database)
    }

    package func makeRowDigester() -> (any RowDigesting)? { PostgresRowDigester() }

    package func planRestore(_ scope: RestoreScope, objects: [DumpObject], options: RestoreOptions) throws -> RestorePlan {
        try PostgresRestorePlanner.plan(scope, objects: objects, options: options)
    }

    package func restore(
        _ plan: RestorePlan,
        server: DatabaseTarget,
        newDatabase: String,
        from source: () async throws -> [UInt8]?
    ) async throws {
        let created = try await psql(server, sql: "CREATE DATABASE :\"name\";", variables: ["name": newDatabase])
        guard created.succeeded else {
            throw PostgresErrorClassifier.classify(created.standardError, target: server.connection, doing: "creating database \(newDatabase)", failure: .restoreFailed)
        }
        var listFile: String?
        defer { if let listFile { try? FileManager.default.removeItem(atPath: listFile) } }
        do {
            var arguments = connectionArguments(server.connection.with(database: newDatabase)) + ["--exit-on-error", "--no-owner"]
            if let ids = plan.objectIDs {
                let path = FileManager.default.temporaryDirectory.appendingPathComponent("tidemark-restore-\(Identifier.make()).list").path
                try ids.map { "\($0);" }.joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
                listFile = path
                arguments += ["--use-list=\(path)"]
            }
            let command = ProcessCommand(executable: tools.path("pg_restore"), arguments: arguments, environment: environment(server))
            let outcome = try await runner.run(command, input: source)
            guard outcome.succeeded else {
                throw PostgresErrorClassifier.classify(outcome.standardError, target: server.connection, doing: "restoring into \(newDatabase)", failure: .restoreFailed)
            }
        } catch {
            _ = try? await psql(server, sql: "DROP DATABASE IF EXISTS :\"name\" WITH (FORCE);", variables: ["name": newDatabase])
            throw error
        }
    }

    // MARK: Helpers

    private static func summary(of scanner: CustomArchiveScanner, database: String) -> DumpSummary {
        var tables: [TableContents] = []
        for entry in scanner.entries where entry.kind == "TABLE DATA" {
            let statistics = scanner.statistics[entry.dumpID] ?? CustomArchiveScanner.DataStatistics()
            tables.append(TableContents(schema: entry.namespace ?? "", name: entry.tag, bytes: statistics.bytes, rows: statistics.rows))
        }
        let objects = scanner.entries.map {
            DumpObject(id: $0.dumpID, kind: $0.kind, schema: $0.namespace, name: $0.tag, dependencies: $0.dependencies, references: $0.references)
        }
        let bytes = tables.reduce(Int64(0)) { $0 + $1.bytes }
        return DumpSummary(
            serverVersion: scanner.header.serverVersion,
            format: Self.capabilities.streamFormat,
            databases: [DatabaseContents(name: database, bytes: bytes, tables: tables)],
            objects: objects
        )
    }

    private func psql(_ target: DatabaseTarget, sql: String, variables: [String: String] = [:]) async throws -> ProcessOutcome {
        var arguments = connectionArguments(target.connection) + ["--no-psqlrc", "--tuples-only", "--no-align", "--quiet", "--set=ON_ERROR_STOP=1"]
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) {
            arguments.append("--set=\(name)=\(value)")
        }
        // SQL goes through stdin because psql expands :'name' variables only in scripts, not in -c.
        var script: [UInt8]? = Array(sql.utf8)
        return try await runner.run(ProcessCommand(executable: tools.path("psql"), arguments: arguments, environment: environment(target))) {
            defer { script = nil }
            return script
        }
    }

    private func connectionArguments(_ connection: DatabaseConnection) -> [String] {
        ["--host=\(connection.host)", "--port=\(connection.port)", "--username=\(connection.user)", "--dbname=\(connection.database)", "--no-password"]
    }

    private func environment(_ target: DatabaseTarget) -> [String: Secret<String>] {
        var environment: [String: Secret<String>] = ["PGCONNECT_TIMEOUT": Secret("10"), "PGAPPNAME": Secret("tidemark")]
        if let password = target.password { environment["PGPASSWORD"] = password }
        if let mode = target.connection.parameters["sslmode"] { environment["PGSSLMODE"] = Secret(mode) }
        return environment
    }
}
