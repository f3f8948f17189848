import Foundation
import Testing
import TidemarkCore
import TidemarkEngines

/// What tests of managed instances share: removing every instance a test made (its
/// postmaster stopped, whatever happened), SQL through psql, and a command's JSON object.
protocol InstanceTestSupport {
    var tools: PostgresTools { get }
}

extension InstanceTestSupport {
    /// Every instance under `home/instances` stopped and removed, whatever the test did.
    func removeInstances(home: String) async {
        let root = "\(home)/instances"
        let manager = PostgresInstanceManager(runner: SubprocessRunner(), tools: tools)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            try? await manager.remove(ManagedInstance(dataDirectory: "\(root)/\(name)/data", port: 0))
        }
    }

    func psql(_ sql: String, url: String) async throws -> String {
        let outcome = try await SubprocessRunner().run(ProcessCommand(executable: tools.path("psql"), arguments: [url, "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql]))
        guard outcome.succeeded else {
            throw TidemarkError(code: "test-psql", message: "psql failed: \(outcome.standardError)", category: .internal)
        }
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The values of the `marks` table the WAL tests write, sorted and comma-joined.
    func rows(_ url: String) async throws -> String {
        try await psql("SELECT coalesce(string_agg(v, ',' ORDER BY v), '') FROM marks", url: url)
    }

    /// The URL of the instance a restore made, from its `--output json` answer.
    func restoredURL(_ result: CLIResult) throws -> String {
        let operation = try object(result)
        return try #require((operation["result"] as? [String: Any])?["url"] as? String, "\(operation)")
    }

    func object(_ result: CLIResult) throws -> [String: Any] { try cliObject(result) }
}
