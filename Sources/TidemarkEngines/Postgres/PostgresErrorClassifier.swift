import Foundation
import TidemarkCore

/// Turns the standard error of psql, pg_dump and pg_restore into a typed `EngineError`.
///
/// libpq's messages are stable across versions ("password authentication failed",
/// "Connection refused"); the tool's own words stay in `underlying` for the logs, and the
/// last error line is quoted in the message because it names the failing object.
enum PostgresErrorClassifier {
    static func classify(
        _ standardError: String,
        target: DatabaseConnection,
        doing action: String,
        failure: EngineError.Code = .dumpFailed
    ) -> EngineError {
        let text = standardError
        let server = "\(target.host):\(target.port)"
        if text.contains("password authentication failed") || text.contains("no password supplied")
            || text.contains("authentication failed for user")
        {
            return EngineError(
                .authenticationFailed,
                "PostgreSQL at \(server) rejected the credentials of user \(target.user)",
                hint: "Check the user name and password in the database URL ('tidemark db add' stores them).",
                underlying: text
            )
        }
        if text.contains("Connection refused") || text.contains("could not connect") || text.contains("timeout expired")
            || text.contains("could not translate host name") || text.contains("No route to host")
            || text.contains("Network is unreachable")
        {
            return EngineError(
                .databaseUnreachable,
                "cannot reach PostgreSQL at \(server)",
                hint: "Check that the server is running and accepts TCP connections on that host and port.",
                underlying: text
            )
        }
        if let line = lastLine(containing: "does not exist", in: text), line.contains("database \"") {
            return EngineError(
                .databaseNotFound,
                "database \(target.database) does not exist on \(server)",
                hint: "Check the database name in the URL.",
                underlying: text
            )
        }
        if text.contains("permission denied") {
            return EngineError(
                .permissionDenied,
                "PostgreSQL user \(target.user) lacks a privilege needed for \(action): \(lastErrorLine(text) ?? "permission denied")",
                hint: "Grant the privilege (e.g. CREATEDB for restores, SELECT on every table for backups) or use another user.",
                underlying: text
            )
        }
        let detail = lastErrorLine(text) ?? "no error output"
        return EngineError(failure, "\(action) failed on \(server): \(detail)", hint: "See the operation log ('tidemark op logs ID') for the tool's full output.", underlying: text)
    }

    private static func lastLine(containing needle: String, in text: String) -> String? {
        text.split(separator: "\n").last { $0.contains(needle) }.map(String.init)
    }

    private static func lastErrorLine(_ text: String) -> String? {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let error = lines.first { $0.contains("error:") || $0.contains("ERROR:") || $0.contains("FATAL:") } ?? lines.last
        return error.map { line in
            let marker = ["error: ", "ERROR:  ", "FATAL:  "].compactMap { line.range(of: $0) }.first
            return marker.map { String(line[$0.upperBound...]) } ?? line
        }
    }
}
