import ArgumentParser
import TidemarkRepository
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark storage show NAME`
struct StorageShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one storage.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the storage.") var name: String

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let storage = try await control.storage(named: name)
            if context.isJSON { return try context.console.json(StorageRepresentation(storage)) }
            let backups = try await control.backups(matching: BackupFilter()).filter { $0.storage == name }
            context.console.line("name:        \(storage.name)")
            context.console.line("kind:        \(storage.settings.kind)")
            context.console.line("location:    \(storage.settings.location)")
            context.console.line("repository:  \(storage.repositoryID)")
            context.console.line("created:     \(TimeText.iso(storage.createdAt))")
            context.console.line("backups:     \(backups.count)")
        }
    }
}
