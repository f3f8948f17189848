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
            var representations: [DatabaseRepresentation] = []
            for database in databases {
                representations.append(DatabaseRepresentation(database, status: await control.instanceService.status(of: database)))
            }
            if context.isJSON { return try context.console.json(representations) }
            if databases.isEmpty {
                return context.console.line("No databases yet. Add one with: tidemark db add NAME --engine postgres --url URL, or create one with: tidemark db create NAME")
            }
            var rows: [[String]] = []
            for representation in representations {
                let last = try await control.backups.list(matching: BackupFilter(database: representation.name, status: .completed)).first
                rows.append([
                    representation.name, representation.engine,
                    representation.managed ? "managed, \(representation.status?.rawValue ?? "?")" : "external",
                    representation.url, representation.dataDirectory ?? "-",
                    last.map { "\($0.id) (\(TimeText.relative($0.finishedAt)))" } ?? "never",
                ])
            }
            context.console.table(["NAME", "ENGINE", "SERVER", "URL", "DATA DIRECTORY", "LAST BACKUP"], rows)
        }
    }
}
