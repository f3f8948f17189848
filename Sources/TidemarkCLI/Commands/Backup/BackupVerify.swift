import ArgumentParser
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
                let (report, _) = try await control.backups.verify(id: id, readData: readData, observer: observer)
                bar?.finish()
                if context.isJSON { return try context.console.json(report) }
                context.console.line(
                    "backup \(id) is healthy: \(report.chunksChecked) chunks in \(report.packsChecked) packs\(readData ? ", \(HumanFormat.bytes(report.bytesRead)) read and re-hashed" : " present")"
                )
            } catch let error as VerifyFailedError {
                bar?.finish()
                // The report goes to stdout (JSON) or as one line per problem to stderr; the
                // error and its exit code follow, so scripts see both.
                if context.isJSON {
                    try context.console.json(error.report)
                } else {
                    for problem in error.report.problems { context.console.note("damaged: \(problem.object): \(problem.problem)") }
                }
                throw error
            }
        }
    }
}
