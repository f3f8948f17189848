import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark backup create DB [--storage S]`
struct BackupCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Take a manual backup now (kept until purged).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the database.") var database: String
    @Option(name: .long, help: "Storage to back up to (default: the plan's, or the only one registered).") var storage: String?
    @Option(name: .long, help: "logical (a dump) or physical (a base backup of a managed instance); default: the plan's.") var method: BackupMethod?
    @Flag(name: .long, help: "Queue the backup for 'tidemark serve' and return at once.") var async = false

    func run() async throws {
        try await global.run { context in
            if async {
                let operation = try await context.reconciledControl().backups.enqueue(database: database, storage: storage, method: method)
                if context.isJSON { return try context.console.json(OperationRepresentation(operation)) }
                return context.console.line("backup of \(database) queued as operation \(operation.id); a running 'tidemark serve' takes it")
            }
            let (observer, bar) = ProgressBar.observer(label: "backup \(database)", enabled: !context.isJSON)
            defer { bar?.finish() }
            let control = try await context.reconciledControl()
            let backup = try await control.backups.create(database: database, storage: storage, method: method, observer: observer)
            bar?.finish()
            let expiresAt = try await control.plans.expiries(of: [backup])[backup.id]
            if context.isJSON { return try context.console.json(BackupRepresentation(backup, includeContents: true, expiresAt: expiresAt)) }
            let tables = backup.databases.reduce(0) { $0 + $1.tables.count }
            if let physical = backup.physical {
                let seconds = backup.finishedAt.map { $0.timeIntervalSince(backup.startedAt) } ?? 0
                return context.console.line(
                    "physical backup \(backup.id) completed: \(HumanFormat.bytes(backup.logicalBytes)) base backup (\(physical.files) files, WAL \(physical.startLSN)..\(physical.stopLSN)), \(HumanFormat.bytes(backup.storedBytes)) stored, in \(HumanFormat.duration(seconds: seconds))"
                )
            }
            let rows = backup.databases.reduce(Int64(0)) { $0 + $1.tables.reduce(0) { $0 + $1.rows } }
            let seconds = backup.finishedAt.map { $0.timeIntervalSince(backup.startedAt) } ?? 0
            context.console.line(
                "backup \(backup.id) completed: \(HumanFormat.bytes(backup.logicalBytes)) dumped (\(tables) tables, \(rows) rows), \(HumanFormat.bytes(backup.storedBytes)) stored, in \(HumanFormat.duration(seconds: seconds))"
            )
        }
    }
}
