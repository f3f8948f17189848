import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark backup test ID [--async]`
struct BackupTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Restore a backup into a scratch database, compare it with the backup, drop it, and record the result.",
        discussion: """
            The scratch target is tidemark_test_<operation> on the source's server (for SQLite, a hidden file beside \
            the source). Tables, exact row counts and, for PostgreSQL, an order-independent digest of every table's \
            rows must equal what the backup recorded. The result (per-phase times, mismatches) is kept on the \
            backup ('backup show') and in its storage. Exit code 8 when the test fails.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Backup id.") var id: String
    @Flag(name: .long, help: "Queue the test for 'tidemark serve' and return at once.") var async = false

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            if async {
                let operation = try await control.backups.enqueueTest(id: id)
                if context.isJSON { return try context.console.json(OperationRepresentation(operation)) }
                return context.console.line("restore test of backup \(id) queued as operation \(operation.id); a running 'tidemark serve' takes it")
            }
            let (observer, bar) = ProgressBar.observer(label: "test \(id)", enabled: !context.isJSON)
            defer { bar?.finish() }
            do {
                let result = try await control.backups.test(id: id, observer: observer)
                bar?.finish()
                if context.isJSON { return try context.console.json(RestoreTestRepresentation(result)) }
                context.console.line("backup \(id) passed its restore test: \(Self.describe(result))")
            } catch let error as RestoreTestFailedError {
                bar?.finish()
                if context.isJSON {
                    try context.console.json(RestoreTestRepresentation(error.result))
                } else {
                    for mismatch in error.result.mismatches { context.console.note("differs: \(mismatch.table): \(mismatch.problem)") }
                }
                throw error
            }
        }
    }

    /// One line: tables, bytes and the time per phase, e.g.
    /// `12 tables as recorded; restore 3.2 s (41 MB), compare 1.1 s, drop 0.1 s: 4.4 s in all`.
    static func describe(_ result: RestoreTestResult) -> String {
        let phases = result.phases.map { phase in
            "\(phase.name) \(HumanFormat.duration(seconds: phase.seconds))\(phase.name == "restore" ? " (\(HumanFormat.bytes(result.bytesRestored)))" : "")"
        }
        let verdict = result.passed ? "\(result.tablesChecked) tables as recorded" : "\(result.mismatches.count) of \(result.tablesChecked) tables differ"
        return "\(verdict); \(phases.joined(separator: ", ")): \(HumanFormat.duration(seconds: result.seconds)) in all"
    }
}
