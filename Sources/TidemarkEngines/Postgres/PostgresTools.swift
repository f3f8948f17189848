import Foundation

/// Locates the PostgreSQL client and server programs.
///
/// Debian keeps them in `/usr/lib/postgresql/<major>/bin` and puts only wrappers on `PATH`;
/// the newest installed major version is used, because pg_dump must be at least as new as the
/// server it dumps. `TIDEMARK_PG_BINDIR` overrides the choice.
package struct PostgresTools: Sendable {
    package var binDirectory: String?
    /// coreutils' `stdbuf`, when present: pg_dump writes its archive through stdio, which
    /// gives a pipe 4 KiB writes; `stdbuf -o 1M` makes them 1 MiB, so reading a 300 MB dump
    /// takes about 5,000 wake-ups instead of 60,000 (bench/RESULTS.md, issue 14 item 17).
    package var stdbuf: String?

    package init(binDirectory: String?, stdbuf: String? = nil) {
        self.binDirectory = binDirectory
        self.stdbuf = stdbuf
    }

    /// Finds the directory from the environment or the Debian layout.
    package static func discover(environment: [String: String] = ProcessInfo.processInfo.environment) -> PostgresTools {
        let stdbuf = ["/usr/bin/stdbuf", "/bin/stdbuf"].first(where: FileManager.default.isExecutableFile)
        if let configured = environment["TIDEMARK_PG_BINDIR"], !configured.isEmpty {
            return PostgresTools(binDirectory: configured, stdbuf: stdbuf)
        }
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        let newest = versions.compactMap(Int.init).sorted().last { FileManager.default.isExecutableFile(atPath: "\(base)/\($0)/bin/pg_dump") }
        return PostgresTools(binDirectory: newest.map { "\(base)/\($0)/bin" }, stdbuf: stdbuf)
    }

    /// The command that runs `program` with `arguments`, its standard output written in 1 MiB
    /// blocks when `stdbuf` is available (for programs that stream a large output through stdio).
    package func bufferedOutput(_ program: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        guard let stdbuf else { return (path(program), arguments) }
        return (stdbuf, ["-o", "1048576", path(program)] + arguments)
    }

    /// The path of `program`, or its bare name to be found on `PATH`.
    package func path(_ program: String) -> String {
        binDirectory.map { "\($0)/\(program)" } ?? program
    }
}
