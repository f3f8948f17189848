import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark storage update NAME [--endpoint …] [--access-key-id …] …`
struct StorageUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change how an S3 storage is reached (endpoint, region, addressing, credentials).",
        discussion: """
            Flags not given keep their value. The new secret access key comes from \
            TIDEMARK_S3_SECRET_ACCESS_KEY or standard input; pass --keep-secret to keep the stored one. \
            The change is saved only when the connection test passes and the same repository is found.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the storage.") var name: String
    @OptionGroup var s3Options: S3Options
    @Flag(name: .long, help: "Address the bucket in the host name (virtual-hosted style).") var virtualHostStyle = false
    @Flag(name: .long, help: "Keep the stored secret access key.") var keepSecret = false

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let current = try await control.storages.get(named: name)
            guard case .s3(var settings) = current.settings else {
                throw TidemarkError(code: "not-an-s3-storage", message: "storage \(name) is a \(current.settings.kind) storage", hint: "Only S3 storages have settings to update; register a new local storage instead.", category: .invalidInput)
            }
            if let value = s3Options.endpoint { settings.endpoint = value }
            if let value = s3Options.bucket { settings.bucket = value }
            if let value = s3Options.prefix { settings.prefix = S3StorageSettings.normalized(prefix: value) }
            if let value = s3Options.region { settings.region = value }
            if let value = s3Options.accessKeyId { settings.accessKeyID = value }
            if s3Options.pathStyle { settings.pathStyle = true }
            if virtualHostStyle { settings.pathStyle = false }
            if s3Options.noChecksumHeaders { settings.checksumHeaders = false }
            let secret = keepSecret ? current.secretAccessKey : try S3Secret.read()
            let updated = try await ConnectionTestOutput.reportingFailure(context) {
                try await control.storages.update(name: name, settings: .s3(settings), secret: secret)
            }
            if context.isJSON {
                try context.console.json(StorageRepresentation(updated))
            } else {
                context.console.line("connection test passed: put, get, list, delete")
                context.console.line("storage \(updated.name) updated: \(updated.settings.location)")
            }
        }
    }
}
