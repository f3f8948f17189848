import ArgumentParser
import TidemarkControl
import TidemarkCore

/// `tidemark maintenance …`
struct MaintenanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Keep the catalog small: prune old operation history.",
        subcommands: [MaintenancePrune.self]
    )
}

/// `tidemark maintenance prune [--older-than DAYS] [--async]`
struct MaintenancePrune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete finished operations (with their logs) and webhook deliveries older than N days. Backups are never touched.",
        discussion: "'tidemark serve' runs this once a day with the default age. The operation that created a backup still in the catalog is kept."
    )
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("older-than"), help: "Age in days (1 to 36500).") var olderThan = PruneRequest.defaultDays
    @Flag(name: .long, help: "Queue the prune for 'tidemark serve' and return at once.") var async = false

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            if async {
                let operation = try await control.operations.enqueuePrune(olderThanDays: olderThan)
                if context.isJSON { return try context.console.json(OperationRepresentation(operation)) }
                return context.console.line("prune queued as operation \(operation.id); a running 'tidemark serve' takes it")
            }
            let (counts, operation) = try await control.operations.prune(olderThanDays: olderThan)
            if context.isJSON { return try context.console.json(OperationRepresentation(operation)) }
            context.console.line(
                "deleted \(counts.operations) operations (\(counts.logLines) log lines) and \(counts.deliveries) webhook deliveries older than \(olderThan) days"
            )
        }
    }
}
