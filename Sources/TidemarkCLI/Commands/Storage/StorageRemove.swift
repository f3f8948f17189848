import ArgumentParser
import TidemarkControl
import TidemarkCore
import Foundation

/// `tidemark storage remove NAME`
struct StorageRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Forget a storage (refused while it holds backups; the repository itself is left in place)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the storage.") var name: String

    func run() async throws {
        try await global.run { context in
            try await context.control().storages.remove(named: name)
            if context.isJSON { return try context.console.json(["removed": name]) }
            context.console.line("storage \(name) removed (its files were not touched)")
        }
    }
}
