import ArgumentParser
import TidemarkRepository
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark storage add NAME --local DIR`
struct StorageAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a storage and initialize its repository (or attach the one already there).",
        discussion: "The repository passphrase comes from TIDEMARK_PASSPHRASE or a prompt; keep it safe, without it no backup can be read."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the storage.") var name: String
    @Option(name: .long, help: ArgumentHelp("Directory for the repository (created if missing).", valueName: "dir")) var local: String?

    func validate() throws {
        guard local != nil else { throw ValidationError("Give the repository location with --local DIR (S3 storages come in a later release).") }
        if let local, !local.hasPrefix("/") { throw ValidationError("--local needs an absolute path, got '\(local)'.") }
    }

    func run() async throws {
        try await global.run { context in
            let storage = try await context.control().addStorage(name: name, settings: .local(path: local ?? ""))
            if context.isJSON {
                try context.console.json(StorageRepresentation(storage))
            } else {
                context.console.line("storage \(storage.name) added: \(storage.settings.location) (repository \(storage.repositoryID))")
            }
        }
    }
}
