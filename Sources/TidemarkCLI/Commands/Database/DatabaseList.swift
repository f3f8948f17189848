import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark db list`
struct DatabaseList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List databases.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let databases = try await control.databases.list()
            if context.isJSON { return try context.console.json(databases.map(DatabaseRepresentation.init)) }
            if databases.isEmpty { return context.console.line("No databases yet. Add one with: tidemark db add NAME --engine postgres --url URL") }
            var rows: [[String]] = []
            for database in databases {
                let last = try await control.backups.list(matching: BackupFilter(database: database.name, status: .completed)).first
                rows.append([
                    database.name, database.engine.rawValue, DatabaseRepresentation(database).url,
                    last.map { "\($0.id) (\(TimeText.relative($0.finishedAt)))" } ?? "never",
                ])
            }
            context.console.table(["NAME", "ENGINE", "URL", "LAST BACKUP"], rows)
        }
    }
}
