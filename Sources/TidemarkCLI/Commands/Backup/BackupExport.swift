import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark backup export ID [--out FILE]`
struct BackupExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a backup in its engine's own format: a pg_dump custom archive, a pg_basebackup tar, a SQLite file."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Backup id.") var id: String
    @Option(name: .long, help: ArgumentHelp("File to write; standard output when omitted.", valueName: "file")) var out: String?

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            var handle: FileHandle?
            let temporary = out.map { "\($0).tidemark-partial" }
            if let temporary {
                guard FileManager.default.createFile(atPath: temporary, contents: nil) , let opened = FileHandle(forWritingAtPath: temporary) else {
                    throw TidemarkError(code: "output-not-writable", message: "cannot create \(out ?? "")", hint: "Choose a writable path for --out.", category: .storage)
                }
                handle = opened
            }
            let file = handle
            let (observer, bar) = ProgressBar.observer(label: "export \(id)", enabled: !context.isJSON && out != nil)
            defer { bar?.finish() }
            do {
                let operation = try await control.backups.export(id: id, observer: observer) { chunk in
                    if let file { try file.write(contentsOf: chunk) } else { try context.console.raw(chunk) }
                }
                if let out, let temporary, let file {
                    try file.synchronize()
                    try file.close()
                    // Renamed only when complete, so a failed export never leaves a file that looks whole.
                    _ = try? FileManager.default.removeItem(atPath: out)
                    try FileManager.default.moveItem(atPath: temporary, toPath: out)
                    bar?.finish()
                    if context.isJSON { return try context.console.json(OperationRepresentation(operation)) }
                    context.console.line("exported backup \(id) to \(out) (\(HumanFormat.bytes(Int64(operation.result["bytes"] ?? "0") ?? 0)), \(operation.result["format"] ?? "")); \(ExportHint.text(format: operation.result["format"] ?? "", path: out))")
                }
            } catch {
                if let temporary { try? FileManager.default.removeItem(atPath: temporary) }
                throw error
            }
        }
    }
}
