import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark db update NAME --url URL`
struct DatabaseUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Point a registered database at a new URL or password; its backups and plan stay.",
        discussion: """
            The connection is checked before anything is saved. A password the URL does not hold comes \
            from TIDEMARK_DB_PASSWORD or a prompt, never the command line. After 'storage attach' this is \
            how a rebuilt database gets its password back.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the database in Tidemark.") var name: String
    @Option(name: .long, help: ArgumentHelp("Connection URL, e.g. postgres://user@127.0.0.1:5432/shop.", valueName: "url")) var url: String

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let current = try await control.databases.get(named: name)
            let parsed = try DatabaseURL(parsing: url, engine: current.engine)
            let needsPassword = parsed.password == nil && !parsed.connection.isFile
            let password = parsed.password ?? (needsPassword ? DatabaseAdd.password() : nil)
            let database = try await control.databases.update(name: name, engine: current.engine, connection: parsed.connection, password: password)
            if context.isJSON { return try context.console.json(DatabaseRepresentation(database)) }
            context.console.line("database \(database.name) updated: \(DatabaseRepresentation(database).url)")
        }
    }
}
