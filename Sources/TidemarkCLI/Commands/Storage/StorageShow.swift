import ArgumentParser
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
            let storage = try await control.storages.get(named: name)
            if context.isJSON { return try context.console.json(StorageRepresentation(storage)) }
            let backups = try await control.backups.list(matching: BackupFilter()).filter { $0.storage == name }
            context.console.line("name:        \(storage.name)")
            context.console.line("kind:        \(storage.settings.kind)")
            context.console.line("location:    \(storage.settings.location)")
            if case .s3(let s3) = storage.settings {
                context.console.line("endpoint:    \(s3.endpoint)")
                context.console.line("bucket:      \(s3.bucket)")
                context.console.line("prefix:      \(s3.prefix.isEmpty ? "(bucket root)" : s3.prefix)")
                context.console.line("region:      \(s3.region)")
                context.console.line("addressing:  \(s3.pathStyle ? "path-style" : "virtual-hosted")")
                context.console.line("access key:  \(s3.accessKeyID) (secret \(storage.secretAccessKey == nil ? "missing" : "stored sealed"))")
                context.console.line("checksums:   \(s3.checksumHeaders ? "x-amz-checksum-sha256" : "Content-MD5")")
            }
            context.console.line("repository:  \(storage.repositoryID)")
            context.console.line("created:     \(TimeText.iso(storage.createdAt))")
            context.console.line("backups:     \(backups.count)")
        }
    }
}
