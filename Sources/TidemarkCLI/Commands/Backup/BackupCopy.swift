import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark backup copy ID --to STORAGE [--async]`
struct BackupCopy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a completed backup to another storage (a backup of trigger 'copy' there).",
        discussion: """
            Only chunks the other storage lacks are sent: as sealed chunks when it was added with \
            'storage add NAME ... --copy-of SOURCE', else cut again with its own keys. A physical backup's \
            WAL archive is copied with it. The copy restores on its own, also when the first storage is gone.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Backup id.") var id: String
    @Option(name: .long, help: ArgumentHelp("Storage to copy the backup to.", valueName: "storage")) var to: String
    @Flag(name: .long, help: "Queue the copy for 'tidemark serve' and return at once.") var async = false

    func run() async throws {
        try await global.run { context in
            let control = try await context.reconciledControl()
            if async {
                let operation = try await control.backups.enqueueCopy(id: id, to: to)
                if context.isJSON { return try context.console.json(OperationRepresentation(operation)) }
                return context.console.line("copy of backup \(id) to \(to) queued as operation \(operation.id); a running 'tidemark serve' takes it")
            }
            let (observer, bar) = ProgressBar.observer(label: "copy \(id) to \(to)", enabled: !context.isJSON)
            defer { bar?.finish() }
            let copy = try await control.backups.copy(id: id, to: to, observer: observer)
            bar?.finish()
            if context.isJSON {
                let expiresAt = try await control.plans.expiries(of: [copy])[copy.id]
                return try context.console.json(BackupRepresentation(copy, includeContents: true, expiresAt: expiresAt))
            }
            context.console.line(Self.summary(copy))
        }
    }

    static func summary(_ copy: BackupRecord) -> String {
        "copy \(copy.id) of backup \(copy.copyOf ?? "?") completed in storage \(copy.storage): \(HumanFormat.bytes(copy.logicalBytes)) copied, \(HumanFormat.bytes(copy.storedBytes)) sent"
    }
}
