import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark backup purge ID`
struct BackupPurge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete a backup; data no other backup uses is garbage-collected."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Backup id.") var id: String

    func run() async throws {
        try await global.run { context in
            let result = try await context.control().backups.purge(id: id)
            if context.isJSON { return try context.console.json(OperationRepresentation(result.operation)) }
            if let report = result.garbageCollection {
                context.console.line(
                    "backup \(id) purged; garbage collection deleted \(report.packsDeleted) packs (\(HumanFormat.bytes(report.bytesFreed)) freed), kept \(report.packsKept)"
                )
            } else {
                context.console.line("backup \(id) purged; garbage collection deferred (\(result.deferredReason ?? "repository locked")), it runs again at the next purge")
            }
        }
    }
}
