import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark restore ID --to NEW [--table T] [--skip-missing-…]`
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a completed backup into a NEW database on the same server, or a physical backup into a NEW managed instance (the source is never touched).",
        discussion: """
            With --at, a physical backup of a database that archives WAL is recovered to that moment:             --at 2026-12-01T10:42:00Z (ISO 8601 with a UTC offset) or --at latest. The first argument may then             be the database's name: the newest base backup that reaches the moment is chosen. A moment outside             the recovery window ('tidemark plan show DB') is refused before anything is created.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Backup id; with --at also a database name.") var backupID: String
    @Option(name: .long, help: ArgumentHelp("Recover to this moment: an ISO 8601 time or 'latest'.", valueName: "time")) var at: String?
    @Option(name: .long, help: ArgumentHelp("Name of the new database; it must not exist.", valueName: "name")) var to: String
    @Option(name: .long, help: ArgumentHelp("Restore only this table (SCHEMA.TABLE).", valueName: "table")) var table: String?
    @Flag(name: .long, help: "Leave out foreign keys to tables that are not restored.") var skipMissingForeignKeys = false
    @Flag(name: .long, help: "Leave out sequence defaults whose sequence is not restored.") var skipMissingSequences = false
    @Flag(name: .long, help: "Leave out views whose tables are not restored.") var skipMissingViews = false

    func run() async throws {
        try await global.run { context in
            let (observer, bar) = ProgressBar.observer(label: "restore \(backupID)", enabled: !context.isJSON)
            defer { bar?.finish() }
            let point = try at.map { try RestorePoint(parsing: $0) }
            let control = try await context.reconciledControl()
            var chosen = backupID
            if let point { chosen = try await control.restores.pointInTimeBackup(source: backupID, at: point) }
            let request = RestoreRequest(
                backupID: chosen,
                newName: to,
                table: table,
                options: RestoreOptions(
                    skipMissingForeignKeys: skipMissingForeignKeys,
                    skipMissingSequences: skipMissingSequences,
                    skipMissingViews: skipMissingViews
                ),
                pointInTime: point
            )
            let result = try await control.restores.start(request, observer: observer)
            bar?.finish()
            if context.isJSON {
                var representation = OperationRepresentation(result.operation)
                // A new managed instance's password is shown to whoever restored, this once.
                if let url = result.urlWithPassword { representation.result["url"] = url.revealed }
                return try context.console.json(representation)
            }
            for item in result.skipped { context.console.note("skipped \(item)") }
            if let url = result.urlWithPassword {
                context.console.line("restored backup \(chosen)\(point.map { " at \($0)" } ?? "") into the new managed instance \(result.database)")
                context.console.line(url.revealed)
                context.console.line("(the password is shown only now; it is stored sealed)")
                return
            }
            context.console.line("restored \(table.map { "table \($0) of " } ?? "")backup \(chosen)\(point.map { " at \($0)" } ?? "") into \(result.database)")
            context.console.line(result.url)
        }
    }
}
