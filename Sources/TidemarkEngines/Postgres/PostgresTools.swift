import Foundation

/// Locates the PostgreSQL client and server programs.
///
/// Debian keeps them in `/usr/lib/postgresql/<major>/bin` and puts only wrappers on `PATH`;
/// the newest installed major version is used, because pg_dump must be at least as new as the
/// server it dumps. `TIDEMARK_PG_BINDIR` overrides the choice.
package struct PostgresTools: Sendable {
    package var binDirectory: String?

    package init(binDirectory: String?) {
        self.binDirectory = binDirectory
    }

    /// Finds the directory from the environment or the Debian layout.
    package static func discover(environment: [String: String] = ProcessInfo.processInfo.environment) -> PostgresTools {
        if let configured = environment["TIDEMARK_PG_BINDIR"], !configured.isEmpty {
            return PostgresTools(binDirectory: configured)
        }
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        let newest = versions.compactMap(Int.init).sorted().last { FileManager.default.isExecutableFile(atPath: "\(base)/\($0)/bin/pg_dump") }
        return PostgresTools(binDirectory: newest.map { "\(base)/\($0)/bin" })
    }

    /// The path of `program`, or its bare name to be found on `PATH`.
    package func path(_ program: String) -> String {
        binDirectory.map { "\($0)/\(program)" } ?? program
    }
}
