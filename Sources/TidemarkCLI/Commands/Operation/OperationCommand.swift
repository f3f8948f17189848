import ArgumentParser
import TidemarkRepository
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark op …`
struct OperationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "op",
        abstract: "Inspect operations (backups, restores, verifications, exports, purges).",
        subcommands: [OperationList.self, OperationShow.self, OperationLogs.self]
    )
}

extension OperationStatus: ExpressibleByArgument {}

/// `tidemark op list [--status S]`
struct OperationList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List operations, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Only operations with this status.") var status: OperationStatus?

    func run() async throws {
        try await global.run { context in
            let operations = try await context.control().operations(status: status)
            if context.isJSON { return try context.console.json(operations.map(OperationRepresentation.init)) }
            if operations.isEmpty { return context.console.line("No operations yet.") }
            context.console.table(
                ["ID", "KIND", "STATUS", "STEP", "STARTED", "SUMMARY"],
                operations.map { [$0.id, $0.kind.rawValue, $0.status.rawValue, $0.step, TimeText.iso($0.startedAt), $0.summary] }
            )
        }
    }
}

/// `tidemark op show ID`
struct OperationShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one operation.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Operation id.") var id: String

    func run() async throws {
        try await global.run { context in
            let operation = try await context.control().operation(id: id)
            if context.isJSON { return try context.console.json(OperationRepresentation(operation)) }
            let console = context.console
            console.line("id:         \(operation.id)")
            console.line("kind:       \(operation.kind.rawValue)")
            console.line("summary:    \(operation.summary)")
            console.line("status:     \(operation.status.rawValue)")
            console.line("step:       \(operation.step)")
            console.line("attempt:    \(operation.attempt) of \(operation.maxAttempts)")
            console.line("retryable:  \(operation.isRetryable ? "yes" : "no")")
            console.line("started:    \(TimeText.iso(operation.startedAt))")
            console.line("finished:   \(TimeText.iso(operation.finishedAt))")
            if let error = operation.lastError { console.line("last error: \(error.code): \(error.message)") }
            for (key, value) in operation.result.sorted(by: { $0.key < $1.key }) { console.line("result:     \(key) = \(value)") }
        }
    }
}

/// `tidemark op logs ID`
struct OperationLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print an operation's log.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Operation id.") var id: String

    func run() async throws {
        try await global.run { context in
            let lines = try await context.control().operationLogs(id: id)
            if context.isJSON { return try context.console.json(lines) }
            for line in lines { context.console.line("\(TimeText.iso(line.time)) \(line.level.uppercased()) \(line.message)") }
        }
    }
}
