import Foundation
import TidemarkCore
import TidemarkEngines

/// Runs `sql` on the SQLite file at `path` with the `sqlite3` tool (the outside judge of the
/// SQLite engine's files); returns its output, trimmed.
/// - Throws: when `sqlite3` fails, with its standard error.
@discardableResult
package func sqlite3(_ path: String, _ sql: String) async throws -> String {
    let outcome = try await SubprocessRunner().run(ProcessCommand(executable: "/usr/bin/sqlite3", arguments: [path, sql]))
    guard outcome.succeeded else { throw TidemarkError(code: "test-sqlite3", message: outcome.standardError, category: .internal) }
    return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
}
