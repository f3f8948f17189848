import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark storage add NAME --local DIR` / `--s3 --endpoint URL --bucket B …`
struct StorageAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a storage and initialize its repository (or attach the one already there).",
        discussion: """
            The storage is saved only when the connection test passes (PUT, GET, LIST and DELETE of a \
            temporary object). The repository passphrase comes from TIDEMARK_PASSPHRASE or a prompt; keep \
            it safe, without it no backup can be read. The S3 secret access key comes from \
            TIDEMARK_S3_SECRET_ACCESS_KEY or standard input, never from the command line.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the storage.") var name: String
    @Option(name: .long, help: ArgumentHelp("Directory for the repository (created if missing).", valueName: "dir")) var local: String?
    @Flag(name: .long, help: "Store the repository in an S3-compatible bucket.") var s3 = false
    @OptionGroup var s3Options: S3Options
    @Option(name: .long, help: ArgumentHelp("Share this storage's chunking (not its encryption key), so copies of its backups move without being cut again.", valueName: "storage"))
    var copyOf: String?

    func validate() throws {
        try Self.validateLocation(local: local, s3: s3, s3Options: s3Options)
    }

    /// Exactly one of `--local DIR` (absolute) and `--s3` with valid S3 options (`storage add`, `storage attach`).
    static func validateLocation(local: String?, s3: Bool, s3Options: S3Options) throws {
        guard (local != nil) != s3 else { throw ValidationError("Give exactly one location: --local DIR, or --s3 with --endpoint, --bucket and --access-key-id.") }
        if let local, !local.hasPrefix("/") { throw ValidationError("--local needs an absolute path, got '\(local)'.") }
        if s3 { _ = try s3Options.settings() }
    }

    /// The settings the location flags give, with the S3 secret read from the environment or stdin.
    static func location(local: String?, s3: Bool, s3Options: S3Options) throws -> (StorageSettings, Secret<String>?) {
        guard s3 else { return (.local(path: local ?? ""), nil) }
        return (.s3(try s3Options.settings()), try S3Secret.read())
    }

    func run() async throws {
        try await global.run { context in
            let (settings, secret) = try Self.location(local: local, s3: s3, s3Options: s3Options)
            let storage = try await ConnectionTestOutput.reportingFailure(context) {
                try await context.control().storages.add(name: name, settings: settings, secret: secret, copyOf: copyOf)
            }
            if context.isJSON {
                try context.console.json(StorageRepresentation(storage))
            } else {
                context.console.line("connection test passed: put, get, list, delete")
                context.console.line("storage \(storage.name) added: \(storage.settings.location) (repository \(storage.repositoryID))\(copyOf.map { ", chunking shared with \($0)" } ?? "")")
            }
        }
    }
}
