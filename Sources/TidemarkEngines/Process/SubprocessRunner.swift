import Subprocess

#if canImport(Glibc)
    import Glibc
#endif
import SystemPackage
package import TidemarkCore

/// The real `ProcessRunner`, built on swift-subprocess with non-blocking pipes.
///
/// Standard error is always drained in a child task into a bounded tail (the last 64 KiB),
/// because a tool that writes a lot of warnings must never block on a full stderr pipe, and
/// the end of stderr is where tools put the error that matters.
package struct SubprocessRunner: ProcessRunner {
    private static let errorTailLimit = 64 << 10

    package init() {
        // A child that exits before reading all its input (psql rejecting a password,
        // pg_restore stopping on an error) would otherwise kill this whole process with SIGPIPE
        // on our next write; ignored, the write fails with EPIPE and the child's exit status and
        // stderr explain what happened. Idempotent, so every runner may set it.
        signal(SIGPIPE, SIG_IGN)
    }

    package func run(_ command: ProcessCommand, output: ([UInt8]) async throws -> Void) async throws -> ProcessOutcome {
        let result = try await Subprocess.run(
            executable(for: command),
            arguments: Arguments(command.arguments),
            environment: environment(for: command),
            input: .none,
            output: .sequence,
            error: .sequence
        ) { execution in
            try await withThrowingTaskGroup(of: String.self) { group in
                let errors = execution.standardError
                group.addTask { try await Self.collectTail(errors) }
                for try await buffer in execution.standardOutput {
                    try await output(buffer.withUnsafeBytes { Array($0) })
                }
                return try await group.next() ?? ""
            }
        }
        return ProcessOutcome(exitCode: Self.code(result.terminationStatus), standardError: result.closureResult)
    }

    package func run(_ command: ProcessCommand, input: () async throws -> [UInt8]?) async throws -> ProcessOutcome {
        let result = try await Subprocess.run(
            executable(for: command),
            arguments: Arguments(command.arguments),
            environment: environment(for: command),
            input: .inputWriter,
            output: .sequence,
            error: .sequence
        ) { execution in
            try await withThrowingTaskGroup(of: (Bool, String).self) { group in
                let errors = execution.standardError
                let outputs = execution.standardOutput
                group.addTask { (false, try await Self.collectTail(errors)) }
                group.addTask { (true, try await Self.collectTail(outputs)) }
                let writer = execution.standardInputWriter
                do {
                    while let buffer = try await input() {
                        _ = try await writer.write(buffer)
                    }
                } catch let error as SubprocessError {
                    // The tool closed its input early (it failed, or finished reading);
                    // its exit status and stderr say why, so they are reported instead.
                    _ = error
                }
                try? await writer.finish()
                var standardError = ""
                var standardOutput = ""
                while let (isOutput, text) = try await group.next() {
                    if isOutput { standardOutput = text } else { standardError = text }
                }
                return (standardOutput, standardError)
            }
        }
        return ProcessOutcome(
            exitCode: Self.code(result.terminationStatus),
            standardOutput: result.closureResult.0,
            standardError: result.closureResult.1
        )
    }

    private func executable(for command: ProcessCommand) -> Executable {
        command.executable.contains("/") ? .path(FilePath(command.executable)) : .name(command.executable)
    }

    private func environment(for command: ProcessCommand) -> Environment {
        var updates: [Environment.Key: String?] = [:]
        for (name, value) in command.environment {
            updates[Environment.Key(stringLiteral: name)] = value.revealed
        }
        return .inherit.updating(updates)
    }

    private static func collectTail(_ sequence: SubprocessOutputSequence) async throws -> String {
        var tail: [UInt8] = []
        for try await buffer in sequence {
            buffer.withUnsafeBytes { tail.append(contentsOf: $0) }
            if tail.count > 2 * errorTailLimit { tail.removeFirst(tail.count - errorTailLimit) }
        }
        if tail.count > errorTailLimit { tail.removeFirst(tail.count - errorTailLimit) }
        return String(decoding: tail, as: UTF8.self)
    }

    private static func code(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }
}
