import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

extension BackupStatus: ExpressibleByArgument {}

/// `tidemark backup list [DB] [--status S]`
struct BackupList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List backups, newest first; failed and running ones are listed as incomplete."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only backups of this database.") var database: String?
    @Option(name: .long, help: "Only backups with this status: pending, running, completed, failed.") var status: BackupStatus?
    @Flag(name: .long, help: "Backups of deprovisioned databases (listed only with this flag or by database name).") var deprovisioned = false

    private func duration(of backup: BackupRecord) -> String {
        guard let end = backup.finishedAt else { return "-" }
        return HumanFormat.duration(seconds: end.timeIntervalSince(backup.startedAt))
    }

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let filter = BackupFilter(database: database, status: status, deprovisioned: database == nil ? deprovisioned : nil)
            let backups = try await control.backups.list(matching: filter)
            let expiries = try await control.plans.expiries(of: backups)
            let now = control.now()
            if context.isJSON { return try context.console.json(backups.map { BackupRepresentation($0, includeContents: false, expiresAt: expiries[$0.id]) }) }
            let complete = backups.filter { $0.status == .completed }
            let incomplete = backups.filter { $0.status != .completed }
            if backups.isEmpty {
                if deprovisioned { return context.console.line("No backups of deprovisioned databases.") }
                return context.console.line("No backups\(database.map { " of \($0)" } ?? ""). Take one with: tidemark backup create DB")
            }
            if !complete.isEmpty {
                context.console.table(
                    ["ID", "DATABASE", "DATA FROM", "TRIGGER", "METHOD", "STATUS", "SIZE", "STORED", "EXPIRES"],
                    complete.map {
                        [
                            $0.id, $0.database, TimeText.iso($0.startedAt), $0.trigger.rawValue, $0.method.rawValue, $0.status.rawValue,
                            HumanFormat.bytes($0.logicalBytes), HumanFormat.bytes($0.storedBytes),
                            ExpiryText.describe($0, expiresAt: expiries[$0.id], now: now),
                        ]
                    }
                )
            }
            if !incomplete.isEmpty {
                if !complete.isEmpty { context.console.line() }
                context.console.line("Incomplete backups:")
                context.console.table(
                    ["ID", "DATABASE", "STARTED", "DURATION", "STATUS", "ERROR"],
                    incomplete.map {
                        [
                            $0.id, $0.database, TimeText.iso($0.startedAt),
                            duration(of: $0),
                            $0.status.rawValue, $0.error.map { "\($0.code): \($0.message)" } ?? "-",
                        ]
                    }
                )
            }
        }
    }
}
