import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark restore ID --to NEW [--table T] [--skip-missing-…]`
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a completed backup into a NEW database on the same server, or a physical backup into a NEW managed instance (the source is never touched)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Backup id.") var backupID: String
    @Option(name: .long, help: ArgumentHelp("Name of the new database; it must not exist.", valueName: "name")) var to: String
    @Option(name: .long, help: ArgumentHelp("Restore only this table (SCHEMA.TABLE).", valueName: "table")) var table: String?
    @Flag(name: .long, help: "Leave out foreign keys to tables that are not restored.") var skipMissingForeignKeys = false
    @Flag(name: .long, help: "Leave out sequence defaults whose sequence is not restored.") var skipMissingSequences = false
    @Flag(name: .long, help: "Leave out views whose tables are not restored.") var skipMissingViews = false

    func run() async throws {
        try await global.run { context in
            let (observer, bar) = ProgressBar.observer(label: "restore \(backupID)", enabled: !context.isJSON)
            defer { bar?.finish() }
            let request = RestoreRequest(
                backupID: backupID,
                newName: to,
                table: table,
                options: RestoreOptions(
                    skipMissingForeignKeys: skipMissingForeignKeys,
                    skipMissingSequences: skipMissingSequences,
                    skipMissingViews: skipMissingViews
                )
            )
            let result = try await context.reconciledControl().restores.start(request, observer: observer)
            bar?.finish()
            if context.isJSON {
                var representation = OperationRepresentation(result.operation)
                // A new managed instance's password is shown to whoever restored, this once.
                if let url = result.urlWithPassword { representation.result["url"] = url.revealed }
                return try context.console.json(representation)
            }
            for item in result.skipped { context.console.note("skipped \(item)") }
            if let url = result.urlWithPassword {
                context.console.line("restored backup \(backupID) into the new managed instance \(result.database)")
                context.console.line(url.revealed)
                context.console.line("(the password is shown only now; it is stored sealed)")
                return
            }
            context.console.line("restored \(table.map { "table \($0) of " } ?? "")backup \(backupID) into \(result.database)")
            context.console.line(result.url)
        }
    }
}
