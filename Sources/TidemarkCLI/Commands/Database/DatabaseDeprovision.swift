import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark db deprovision NAME`
struct DatabaseDeprovision: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deprovision",
        abstract: "Stop managing a database: take a final backup (when its policy keeps finals) and stop its schedule.",
        discussion: "The database server is not touched. Backups stay listable with 'backup list --deprovisioned' and restorable."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the database.") var name: String

    func run() async throws {
        try await global.run { context in
            let (observer, bar) = ProgressBar.observer(label: "final backup \(name)", enabled: !context.isJSON)
            defer { bar?.finish() }
            let result = try await context.control().databases.deprovision(named: name, observer: observer)
            bar?.finish()
            if context.isJSON { return try context.console.json(DeprovisionRepresentation(result)) }
            if let backup = result.finalBackup {
                context.console.line("final backup \(backup.id) completed: \(HumanFormat.bytes(backup.logicalBytes)) dumped, \(HumanFormat.bytes(backup.storedBytes)) stored")
            } else {
                context.console.line("no final backup (the policy does not keep final backups)")
            }
            context.console.line("database \(name) deprovisioned; its backups: tidemark backup list --deprovisioned")
        }
    }
}

