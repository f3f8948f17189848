import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark db show NAME`
struct DatabaseShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one database and its latest backups.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the database.") var name: String
    @Flag(name: .long, help: "Show the URL with its password (e.g. of a managed instance a queued restore made).") var showPassword = false

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let database = try await control.databases.get(named: name)
            var representation = DatabaseRepresentation(database, status: await control.instanceService.status(of: database))
            representation.recoveryWindow = try await control.walArchive.window(database: name)
            if showPassword { representation.url = DatabaseURL.render(database.connection, engine: database.engine, password: database.password, revealPassword: true) }
            if context.isJSON { return try context.console.json(representation) }
            let backups = try await control.backups.list(matching: BackupFilter(database: name))
            context.console.line("name:     \(database.name)")
            context.console.line("engine:   \(database.engine.rawValue)")
            context.console.line("url:      \(representation.url)")
            if let managed = database.managed {
                context.console.line("managed:  \(representation.status?.rawValue ?? "unknown") (serve keeps it \(managed.desiredState == .running ? "running" : "stopped"))")
                context.console.line("data:     \(managed.dataDirectory)")
            }
            if let slot = representation.walSlot {
                context.console.line("wal:      streamed by serve (pg_receivewal) from replication slot \(slot)")
            }
            for (index, range) in (representation.recoveryWindow ?? []).enumerated() {
                context.console.line("\(index == 0 ? "recovery:" : "         ") \(TimeText.iso(range.earliest)) .. \(TimeText.iso(range.latest)) (timeline \(range.timeline))")
            }
            context.console.line("added:    \(TimeText.iso(database.createdAt))")
            context.console.line("backups:  \(backups.count) (\(backups.filter { $0.status == .completed }.count) completed)")
            if let last = backups.first(where: { $0.status == .completed }) {
                context.console.line("last:     \(last.id) at \(TimeText.iso(last.finishedAt)) (\(TimeText.relative(last.finishedAt)))")
            }
        }
    }
}
