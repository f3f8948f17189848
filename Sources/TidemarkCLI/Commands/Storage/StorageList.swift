import ArgumentParser
import TidemarkCore
import Foundation
import TidemarkControl

/// `tidemark storage list`
struct StorageList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List storages.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.run { context in
            let storages = try await context.control().storages.list()
            if context.isJSON { return try context.console.json(storages.map(StorageRepresentation.init)) }
            if storages.isEmpty { return context.console.line("No storages yet. Add one with: tidemark storage add NAME --local DIR") }
            context.console.table(
                ["NAME", "KIND", "LOCATION", "CREATED"],
                storages.map { [$0.name, $0.settings.kind, $0.settings.location, TimeText.iso($0.createdAt)] }
            )
        }
    }
}
