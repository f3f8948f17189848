import ArgumentParser
import TidemarkRepository
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark backup verify ID [--read-data]`
struct BackupVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every chunk of a backup is stored; with --read-data, download and re-hash all of it."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Backup id.") var id: String
    @Flag(name: .long, help: "Download, decrypt, decompress and re-hash every chunk.") var readData = false

    func run() async throws {
        try await global.run { context in
            let (observer, bar) = ProgressBar.observer(label: "verify \(id)", enabled: !context.isJSON)
            defer { bar?.finish() }
            let control = try context.control()
            do {
                let (report, _) = try await control.verifyBackup(id: id, readData: readData, observer: observer)
                bar?.finish()
                if context.isJSON { return try context.console.json(report) }
                context.console.line(
                    "backup \(id) is healthy: \(report.chunksChecked) chunks in \(report.packsChecked) packs\(readData ? ", \(HumanFormat.bytes(report.bytesRead)) read and re-hashed" : " present")"
                )
            } catch let error as ControlError where error.kind == .verifyFailed {
                bar?.finish()
                let operation = try await control.operations(status: .failed).first { $0.backupID == id && $0.kind == .verify }
                var lines: [OperationLogLine] = []
                if let operation { lines = try await control.operationLogs(id: operation.id) }
                for line in lines where line.level == "error" && line.message.contains(": ") && !line.message.hasPrefix("failed in step") {
                    context.console.note("damaged: \(line.message)")
                }
                throw error
            }
        }
    }
}
