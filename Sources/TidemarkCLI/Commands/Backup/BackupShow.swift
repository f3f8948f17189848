import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark backup show ID`
struct BackupShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one backup with its databases and tables.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Backup id.") var id: String

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let backup = try await control.backups.get(id: id)
            let expiresAt = try await control.plans.expiries(of: [backup])[backup.id]
            if context.isJSON { return try context.console.json(BackupRepresentation(backup, includeContents: true, expiresAt: expiresAt)) }
            let console = context.console
            console.line("id:         \(backup.id)")
            console.line("database:   \(backup.database) (\(backup.engine.rawValue) \(backup.serverVersion ?? "?"))")
            console.line("storage:    \(backup.storage)")
            console.line("status:     \(backup.status.rawValue)")
            console.line("trigger:    \(backup.trigger.rawValue), method \(backup.method.rawValue)")
            console.line("started:    \(TimeText.iso(backup.startedAt))")
            console.line("finished:   \(TimeText.iso(backup.finishedAt))")
            console.line("size:       \(HumanFormat.bytes(backup.logicalBytes)) dumped, \(HumanFormat.bytes(backup.storedBytes)) stored")
            console.line("expires:    \(ExpiryText.describe(backup, expiresAt: expiresAt, now: control.now()))")
            if let error = backup.error { console.line("error:      \(error.code): \(error.message)") }
            for warning in backup.warnings { console.line("warning:    \(warning)") }
            if let test = backup.lastTest {
                let error = test.error.map { ": \($0.message)" } ?? ""
                console.line("last test:  \(test.passed ? "passed" : "FAILED") at \(TimeText.iso(test.finishedAt))\(error); \(BackupTest.describe(test))")
                for mismatch in test.mismatches { console.line("  differs:  \(mismatch.table): \(mismatch.problem)") }
            } else if backup.status == .completed {
                console.line("last test:  never ('tidemark backup test \(backup.id)')")
            }
            if let physical = backup.physical {
                console.line("wal:        \(physical.startLSN) .. \(physical.stopLSN) on timeline \(physical.timeline)\(physical.includesWAL ? " (included: self-contained)" : "")")
                console.line("pg start:   \(TimeText.iso(physical.startedAt))")
                console.line("pg stop:    \(TimeText.iso(physical.stoppedAt))")
                console.line("system id:  \(physical.systemIdentifier), data checksums \(physical.dataChecksums ? "on" : "off")")
                console.line("files:      \(physical.files)")
            }
            for database in backup.databases {
                console.line()
                console.line("database \(database.name): \(database.tables.count) tables, \(HumanFormat.bytes(database.bytes))")
                console.table(
                    ["TABLE", "ROWS", "BYTES"],
                    database.tables.map { [$0.qualifiedName, $0.rows < 0 ? "unknown" : $0.rowsAreEstimates ? "~\($0.rows)" : "\($0.rows)", HumanFormat.bytes($0.bytes)] }
                )
            }
        }
    }
}
