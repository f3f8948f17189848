import ArgumentParser
import TidemarkRepository
import Foundation
import TidemarkControl
import TidemarkCore

extension EngineKind: ExpressibleByArgument {}

/// `tidemark db add NAME --engine postgres --url URL`
struct DatabaseAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a database; its connection is checked first and its password stored sealed."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name for the database in Tidemark.") var name: String
    @Option(name: .long, help: "Engine: postgres.") var engine: EngineKind = .postgres
    @Option(name: .long, help: ArgumentHelp("Connection URL, e.g. postgres://user:pw@127.0.0.1:5432/shop.", valueName: "url")) var url: String

    func run() async throws {
        try await global.run { context in
            let (database, version) = try await context.control().addDatabase(name: name, engine: engine, url: url)
            if context.isJSON { return try context.console.json(DatabaseRepresentation(database)) }
            context.console.line("database \(database.name) added: \(DatabaseRepresentation(database).url) (server \(version))")
        }
    }
}
