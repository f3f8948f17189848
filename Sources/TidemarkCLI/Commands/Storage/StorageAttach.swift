import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark storage attach NAME --local DIR` / `--s3 --endpoint URL --bucket B …`
struct StorageAttach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Register an existing repository and rebuild the catalog's view of its backups.",
        discussion: """
            For a new machine after the catalog was lost (SPEC §4.12): every backup in the repository \
            that the catalog does not list is recorded, with the database, plan and retention policy its \
            manifest describes. Rebuilt databases have no password (give it with 'tidemark db update NAME \
            --url URL'), their plans are paused and WAL archiving is off until you turn them back on. \
            Attaching again only adds backups that are new. The passphrase and the S3 secret come as for \
            'storage add'.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the storage.") var name: String
    @Option(name: .long, help: ArgumentHelp("Directory holding the repository.", valueName: "dir")) var local: String?
    @Flag(name: .long, help: "The repository is in an S3-compatible bucket.") var s3 = false
    @OptionGroup var s3Options: S3Options

    func validate() throws {
        try StorageAdd.validateLocation(local: local, s3: s3, s3Options: s3Options)
    }

    func run() async throws {
        try await global.run { context in
            let (settings, secret) = try StorageAdd.location(local: local, s3: s3, s3Options: s3Options)
            let report = try await ConnectionTestOutput.reportingFailure(context) {
                try await context.control().attachStorage(name: name, settings: settings, secret: secret)
            }
            if context.isJSON { return try context.console.json(AttachRepresentation(report)) }
            Self.print(report, on: context.console)
        }
    }

    static func print(_ report: AttachReport, on console: Console) {
        let storage = report.storage
        console.line("storage \(storage.name) \(report.storageAdded ? "attached" : "re-read"): \(storage.settings.location) (repository \(storage.repositoryID))")
        console.line("\(report.manifests) backup(s) in the repository: \(report.backupsAdded) recorded, \(report.backupsKnown) already known")
        for database in report.databases {
            var facts = ["\(database.backupsAdded) backup(s)"]
            if let old = database.renamedFrom { facts.append("renamed from \(old), a name another database has here") }
            if database.deprovisioned { facts.append("deprovisioned") }
            if database.planRestored { facts.append("plan restored, paused") }
            console.line("  \(database.name): \(facts.joined(separator: "; "))")
        }
        for problem in report.unreadable { console.line("  not recorded: \(problem.message)") }
        for problem in report.withoutOrigin { console.line("  not recorded: \(problem.message)") }
        let rebuilt = report.databases.filter(\.registered)
        guard !rebuilt.isEmpty else { return }
        console.line("next:")
        for database in rebuilt where !database.deprovisioned {
            if database.wasManaged {
                console.line("  \(database.name) was a managed instance of the lost machine: 'tidemark backup list \(database.name)', then 'tidemark restore ID --to NEW_NAME' (a physical backup becomes a new managed instance)")
            } else {
                console.line("  give \(database.name)'s password: 'tidemark db update \(database.name) --url URL' (TIDEMARK_DB_PASSWORD or a prompt)")
            }
            if database.planRestored {
                console.line("  then 'tidemark plan resume \(database.name)'\(database.wasArchiving ? " and 'tidemark plan set \(database.name) --pitr' to archive WAL again" : "")")
            }
        }
    }
}
