/// A program to run, with its arguments and extra environment.
package struct ProcessCommand: Sendable, CustomStringConvertible {
    /// Absolute path or a name looked up in `PATH`.
    package var executable: String
    package var arguments: [String]
    /// Variables added to the inherited environment. Values never appear in `description`,
    /// because this is how passwords reach tools (`PGPASSWORD`), never through argv.
    package var environment: [String: Secret<String>]

    package init(executable: String, arguments: [String], environment: [String: Secret<String>] = [:]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }

    /// The program name and its arguments, for logs.
    package var description: String {
        ([executable] + arguments).joined(separator: " ")
    }
}

/// How a finished process ended.
package struct ProcessOutcome: Sendable {
    package var exitCode: Int32
    /// Standard output, when the call collected it (capped).
    package var standardOutput: String
    /// The tail of standard error (capped), for error messages.
    package var standardError: String

    package init(exitCode: Int32, standardOutput: String = "", standardError: String) {
        self.exitCode = exitCode
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// Whether the process exited with status 0.
    package var succeeded: Bool { exitCode == 0 }
}

/// Runs external programs (pg_dump, pg_restore, psql) with streamed input or output.
///
/// A non-zero exit is a normal outcome, not an error: callers read `ProcessOutcome` and turn
/// the tool's standard error into a typed error. Errors are thrown only when the program cannot
/// be started or the stream callbacks throw.
package protocol ProcessRunner: Sendable {
    /// Runs `command` with no input, handing each buffer of its standard output to `output`.
    func run(_ command: ProcessCommand, output: ([UInt8]) async throws -> Void) async throws -> ProcessOutcome
    /// Runs `command`, writing to its standard input every buffer `input` returns until it
    /// returns nil; standard output is collected into the outcome.
    func run(_ command: ProcessCommand, input: () async throws -> [UInt8]?) async throws -> ProcessOutcome
}

extension ProcessRunner {
    /// Runs `command` and collects its standard output (capped at 16 MiB) into the outcome.
    package func run(_ command: ProcessCommand) async throws -> ProcessOutcome {
        var collected: [UInt8] = []
        var outcome = try await run(command) { buffer in
            if collected.count < 16 << 20 { collected.append(contentsOf: buffer) }
        }
        outcome.standardOutput = String(decoding: collected, as: UTF8.self)
        return outcome
    }
}
