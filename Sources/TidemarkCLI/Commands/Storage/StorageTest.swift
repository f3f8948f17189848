import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark storage test NAME`
struct StorageTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Test a storage: PUT, GET (content compared), LIST and DELETE of a temporary object.",
        discussion: "On failure it names one category: invalid-credentials, missing-permission(put|get|list|delete), endpoint-unreachable, bucket-not-found, path-access-denied, tls-error or unexpected-response."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the storage.") var name: String

    func run() async throws {
        try await global.run { context in
            let report = try await context.control().storages.test(named: name)
            ConnectionTestOutput.show(report, context)
            if !report.passed { throw ConnectionTestFailedError(report: report) }
        }
    }
}

/// Shows connection-test reports: one line per operation, or the report as JSON.
enum ConnectionTestOutput {
    static func show(_ report: ConnectionTestReport, _ context: CommandContext) {
        if context.isJSON {
            try? context.console.json(report)
            return
        }
        context.console.line("connection test of \(report.location)")
        for step in report.steps {
            let time = step.milliseconds.map { " (\($0) ms)" } ?? ""
            context.console.line("  \(step.operation.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)) \(step.result.padding(toLength: 8, withPad: " ", startingAt: 0)) \(step.detail)\(time)")
        }
        if let failure = report.failure {
            let status = [failure.httpStatus.map { "HTTP \($0)" }, failure.serviceCode].compactMap { $0 }.joined(separator: " ")
            context.console.line("result: failed: \(failure.category)\(status.isEmpty ? "" : " (\(status))")")
        } else {
            context.console.line("result: passed")
        }
    }

    /// Runs `body`; when it fails its connection test, shows the report before the error.
    static func reportingFailure<T>(_ context: CommandContext, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ConnectionTestFailedError {
            show(error.report, context)
            throw error
        }
    }
}
