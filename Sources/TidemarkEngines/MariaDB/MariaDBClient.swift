import Foundation
import TidemarkCore

/// Runs the MariaDB client programs (`mariadb`, `mariadb-dump`) for one server: credentials go
/// through a temporary `--defaults-extra-file` (mode 0600, removed after), never the command
/// line, and TCP is forced so `localhost` in a URL never silently means a local socket.
struct MariaDBClient: Sendable {
    let runner: any ProcessRunner
    /// Where the options files are written (under Tidemark's home).
    let workDirectory: String

    /// `mariadb` or `mysql`, `mariadb-dump` or `mysqldump`, whichever is installed.
    static func program(_ names: [String]) throws -> String {
        for directory in ["/usr/bin", "/usr/local/bin", "/bin"] {
            for name in names where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        throw EngineError(.toolNotFound, "\(names[0]) is not installed", hint: "Install the MariaDB client: apt-get install mariadb-client.")
    }

    /// Runs `program` with the options file of `target` first, then `arguments`; `body` runs
    /// the command (collecting, streaming out or feeding in) while the file exists.
    private func withCommand(
        _ names: [String], _ target: DatabaseTarget, _ arguments: [String], _ body: (ProcessCommand) async throws -> ProcessOutcome
    ) async throws -> ProcessOutcome {
        let executable = try Self.program(names)
        let file = try writeOptions(target)
        defer { unlink(file) }
        return try await body(ProcessCommand(executable: executable, arguments: ["--defaults-extra-file=\(file)"] + arguments))
    }

    /// Runs the program, collecting its output.
    func run(_ names: [String], _ target: DatabaseTarget, _ arguments: [String]) async throws -> ProcessOutcome {
        try await withCommand(names, target, arguments) { try await runner.run($0) }
    }

    /// Runs the program, handing its standard output to `output` as it comes.
    func run(_ names: [String], _ target: DatabaseTarget, _ arguments: [String], output: ([UInt8]) async throws -> Void) async throws -> ProcessOutcome {
        try await withCommand(names, target, arguments) { try await runner.run($0, output: output) }
    }

    /// Runs the program with `input` as its standard input.
    func run(_ names: [String], _ target: DatabaseTarget, _ arguments: [String], input: () async throws -> [UInt8]?) async throws -> ProcessOutcome {
        try await withCommand(names, target, arguments) { try await runner.run($0, input: input) }
    }

    /// Rows of `sql` run on `database` of `target`'s server, tab-separated columns.
    /// - Parameter failure: the error code of a failure that is none of the connection or
    ///   privilege errors (a restore's statements fail as `restore-failed`).
    func query(
        _ target: DatabaseTarget, _ sql: String, database: String? = nil, doing action: String, failure: EngineError.Code = .dumpFailed
    ) async throws -> [[String]] {
        let outcome = try await run(["mariadb", "mysql"], target, ["--batch", "--skip-column-names", "--raw", "-e", sql, database ?? target.connection.database])
        guard outcome.succeeded else { throw MariaDBErrorClassifier.classify(outcome.standardError, target: target.connection, doing: action, failure: failure) }
        return outcome.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).dropLast(outcome.standardOutput.hasSuffix("\n") ? 1 : 0)
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The `[client]` options of `target`, in a new file only this user can read.
    private func writeOptions(_ target: DatabaseTarget) throws -> String {
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let path = "\(workDirectory)/mariadb-\(Identifier.make()).cnf"
        let connection = target.connection
        var text = "[client]\nprotocol=TCP\nhost=\(Self.quoted(connection.host))\nport=\(connection.port)\nuser=\(Self.quoted(connection.user))\n"
        text += "default-character-set=utf8mb4\n"
        if let password = target.password { text += "password=\(Self.quoted(password.revealed))\n" }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw EngineError(.permissionDenied, "cannot write the client options file \(path): \(String(cString: strerror(errno)))", hint: "Check that Tidemark's home is writable.")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        return path
    }

    /// A double-quoted option value (the client undoes `\\` and `\"`).
    static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `value` as a SQL string literal.
    static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `name` as a quoted identifier.
    static func identifier(_ name: String) -> String {
        "`" + name.replacingOccurrences(of: "`", with: "``") + "`"
    }
}

/// Turns the client programs' standard error into a typed `EngineError` (MariaDB's error
/// numbers are stable; the tool's words stay in `underlying`).
enum MariaDBErrorClassifier {
    static func classify(_ text: String, target: DatabaseConnection, doing action: String, failure: EngineError.Code = .dumpFailed) -> EngineError {
        let server = "\(target.host):\(target.port)"
        if text.contains("1045") || text.contains("Access denied for user") && !text.contains("to database") {
            return EngineError(
                .authenticationFailed, "MariaDB at \(server) rejected the credentials of user \(target.user)",
                hint: "Check the user name and password (TIDEMARK_DB_PASSWORD, or the URL).", underlying: text
            )
        }
        if text.contains("2002") || text.contains("2003") || text.contains("2005") || text.contains("2013") || text.contains("Can't connect") {
            return EngineError(
                .databaseUnreachable, "cannot reach MariaDB at \(server)",
                hint: "Check that the server is running and accepts TCP connections on that host and port.", underlying: text
            )
        }
        if text.contains("1049") || text.contains("Unknown database") {
            return EngineError(.databaseNotFound, "database \(target.database) does not exist on \(server)", hint: "Check the database name in the URL.", underlying: text)
        }
        if text.contains("1044") || text.contains("1142") || text.contains("1227") || text.contains("1370") || text.contains("Access denied") {
            return EngineError(
                .permissionDenied, "MariaDB user \(target.user) lacks a privilege needed for \(action): \(lastLine(text))",
                hint: "Grant it (SELECT, SHOW VIEW, TRIGGER, EVENT on the database for backups; CREATE and ALL on new databases for restores).",
                underlying: text
            )
        }
        return EngineError(failure, "\(action) failed on \(server): \(lastLine(text))", hint: "See the operation log ('tidemark op logs ID') for the tool's full output.", underlying: text)
    }

    private static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? "no error output"
    }
}
