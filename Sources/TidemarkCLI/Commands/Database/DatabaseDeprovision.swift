import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark db deprovision NAME`
struct DatabaseDeprovision: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deprovision",
        abstract: "Stop managing a database: take a final backup (when its policy keeps finals) and stop its schedule.",
        discussion: """
            An external database server is not touched. A managed instance is stopped and its data directory \
            removed after the final backup: on a terminal you are asked to type its name; scripts pass --yes. \
            Backups stay listable with 'backup list --deprovisioned' and restorable.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the database.") var name: String
    @Flag(name: .long, help: "Do not ask before removing a managed instance's data directory.") var yes = false

    func run() async throws {
        try await global.run { context in
            let database = try await context.control().databases.get(named: name)
            if let managed = database.managed, !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw ValidationError("deprovisioning managed instance \(name) removes \(managed.dataDirectory); pass --yes to confirm")
                }
                context.console.note("This takes a final backup, stops managed instance \(name) and REMOVES \(managed.dataDirectory).")
                context.console.note("Type the name (\(name)) to confirm:")
                guard Swift.readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces) == name else {
                    throw ValidationError("the name did not match; nothing was changed")
                }
            }
            let (observer, bar) = ProgressBar.observer(label: "final backup \(name)", enabled: !context.isJSON)
            defer { bar?.finish() }
            let result = try await context.control().databases.deprovision(named: name, observer: observer)
            bar?.finish()
            if context.isJSON { return try context.console.json(DeprovisionRepresentation(result)) }
            if let backup = result.finalBackup {
                context.console.line("final \(backup.method.rawValue) backup \(backup.id) completed: \(HumanFormat.bytes(backup.logicalBytes)) read, \(HumanFormat.bytes(backup.storedBytes)) stored")
            } else {
                context.console.line("no final backup (the policy does not keep final backups)")
            }
            if let directory = result.operation.result["removedDataDirectory"] {
                context.console.line("managed instance \(name) stopped; \(directory) removed")
            }
            context.console.line("database \(name) deprovisioned; its backups: tidemark backup list --deprovisioned")
        }
    }
}

