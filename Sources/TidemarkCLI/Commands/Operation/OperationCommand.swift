import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark op …`
struct OperationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "op",
        abstract: "Inspect, retry and cancel operations (backups, restores, verifications, exports, purges, retention).",
        subcommands: [OperationList.self, OperationShow.self, OperationLogs.self, OperationRetry.self, OperationCancel.self]
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
            let operations = try await context.reconciledControl().operations.list(status: status)
            if context.isJSON { return try context.console.json(operations.map { OperationRepresentation($0) }) }
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
            let operation = try await context.reconciledControl().operations.get(id: id)
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
            if let notBefore = operation.notBefore, operation.status == .pending { console.line("next try:   \(TimeText.iso(notBefore))") }
            if let owner = operation.leaseOwner, operation.status == .running {
                console.line("worker:     \(owner) (lease until \(TimeText.iso(operation.leaseExpiresAt)))")
            }
            for (key, value) in operation.result.sorted(by: { $0.key < $1.key }) { console.line("result:     \(key) = \(value)") }
        }
    }
}

/// `tidemark op logs ID [--follow]`
struct OperationLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print an operation's log; --follow keeps printing lines and progress until it ends.",
        discussion: "With --follow --output json, one JSON object per line: {\"type\":\"log\",\"line\":…}, {\"type\":\"update\",\"operation\":…}, and last {\"type\":\"finished\",\"operation\":…}."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Operation id.") var id: String
    @Flag(name: .long, help: "Wait for new lines and progress until the operation ends.") var follow = false

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            guard follow else {
                let lines = try await control.operations.logs(id: id)
                if context.isJSON { return try context.console.json(lines) }
                for line in lines { context.console.line(Self.text(line)) }
                return
            }
            var lastProgress: String?
            for try await event in try await control.operations.follow(id: id) {
                // Following ends when the reader goes away (`op logs ID --follow | head -3`).
                try context.console.checkOutputOpen()
                if context.isJSON {
                    try context.console.jsonLine(OperationEventRepresentation(event, now: control.now()))
                    continue
                }
                switch event {
                case .log(let line):
                    context.console.line(Self.text(line))
                case .update(let record):
                    // Steps already appear as log lines; print progress only when it moves.
                    let progress = record.progress
                    if record.status == .running, progress.bytesRead > 0 || progress.tablesDone > 0 {
                        let tables = progress.tablesTotal.map { " \(progress.tablesDone)/\($0) tables" } ?? ""
                        let eta = OperationRepresentation(record, now: control.now()).etaSeconds.map { ", ETA \(HumanFormat.duration(seconds: $0))" } ?? ""
                        let summary = "progress: \(HumanFormat.bytes(progress.bytesRead)) read, \(HumanFormat.bytes(progress.bytesStored)) stored\(tables)\(eta)"
                        if summary != lastProgress { context.console.line(summary) }
                        lastProgress = summary
                    }
                case .finished(let record):
                    context.console.line("operation \(record.id) \(record.status.rawValue)\(record.lastError.map { ": \($0.code): \($0.message)" } ?? "")")
                }
            }
        }
    }

    static func text(_ line: OperationLogLine) -> String {
        "\(TimeText.iso(line.time)) \(line.level.uppercased()) \(line.message)"
    }
}

/// `tidemark op retry ID [--async]`
struct OperationRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a failed or cancelled operation again (here, or with --async by 'tidemark serve')."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Operation id.") var id: String
    @Flag(name: .long, help: "Queue it for 'tidemark serve' and return at once.") var async = false

    func run() async throws {
        try await global.run { context in
            let control = try await context.reconciledControl()
            let queued = try await control.operations.retry(id: id)
            if async {
                if context.isJSON { return try context.console.json(OperationRepresentation(queued)) }
                return context.console.line("operation \(id) queued again (attempt \(queued.attempt + 1)); a running 'tidemark serve' takes it")
            }
            let (observer, bar) = ProgressBar.observer(label: queued.summary, enabled: !context.isJSON)
            defer { bar?.finish() }
            let finished = try await control.operations.runQueued(id: id, observer: observer)
            bar?.finish()
            if context.isJSON { return try context.console.json(OperationRepresentation(finished)) }
            context.console.line("operation \(id) \(finished.status.rawValue) (attempt \(finished.attempt))")
        }
    }
}

/// `tidemark op cancel ID`
struct OperationCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a queued operation, or ask the worker running one to stop."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Operation id.") var id: String

    func run() async throws {
        try await global.run { context in
            let operation = try await context.control().operations.cancel(id: id)
            if context.isJSON { return try context.console.json(OperationRepresentation(operation)) }
            if operation.status == .cancelled {
                context.console.line("operation \(id) cancelled")
            } else {
                context.console.line("cancel requested: operation \(id) stops at its worker's next check (within a lease renewal)")
            }
        }
    }
}
