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
            // The plan's copy was queued after the backup; made here too, so copies do not wait
            // for a serve (one that is running may take it first).
            let copies = await Self.runQueuedCopies(of: backup.id, control: control)
            let expiresAt = try await control.plans.expiries(of: [backup])[backup.id]
            if context.isJSON {
                for line in copies where line.hasPrefix("error:") { context.console.note(line) }
                return try context.console.json(BackupRepresentation(backup, includeContents: true, expiresAt: expiresAt))
            }
            context.console.line(Self.summary(backup))
            for line in copies {
                if line.hasPrefix("error:") { context.console.note(line) } else { context.console.line(line) }
            }
        }
    }

    static func summary(_ backup: BackupRecord) -> String {
        let seconds = backup.finishedAt.map { $0.timeIntervalSince(backup.startedAt) } ?? 0
        if let physical = backup.physical {
            return "physical backup \(backup.id) completed: \(HumanFormat.bytes(backup.logicalBytes)) base backup (\(physical.files) files, WAL \(physical.startLSN)..\(physical.stopLSN)), \(HumanFormat.bytes(backup.storedBytes)) stored, in \(HumanFormat.duration(seconds: seconds))"
        }
        let tables = backup.databases.reduce(0) { $0 + $1.tables.count }
        let rows = backup.databases.reduce(Int64(0)) { $0 + $1.tables.reduce(0) { $0 + $1.rows } }
        return "backup \(backup.id) completed: \(HumanFormat.bytes(backup.logicalBytes)) dumped (\(tables) tables, \(rows) rows), \(HumanFormat.bytes(backup.storedBytes)) stored, in \(HumanFormat.duration(seconds: seconds))"
    }

    /// Runs the copies the plan queued for `backupID`, here; one line per copy. A copy that
    /// fails stays queued for its retries (serve) and does not fail the backup.
    static func runQueuedCopies(of backupID: String, control: ControlPlane) async -> [String] {
        guard let queued = try? await control.backups.queuedCopies(of: backupID) else { return [] }
        var lines: [String] = []
        for operation in queued {
            do {
                let record = try await control.operations.runQueued(id: operation.id)
                if let copyID = record.result["backupId"], let copy = try? await control.backups.get(id: copyID) {
                    lines.append(BackupCopy.summary(copy))
                }
            } catch {
                lines.append("error: \(operation.summary) failed: \(ErrorInfo(error).message) (operation \(operation.id); 'tidemark serve' retries it)")
            }
        }
        return lines
    }
}
