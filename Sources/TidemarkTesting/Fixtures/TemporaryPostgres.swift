import Foundation
import TidemarkCore
package import TidemarkEngines

/// Runs `body` with a real PostgreSQL cluster on a free loopback port, stopped and deleted after.
///
/// The cluster requires passwords over TCP (SCRAM), so credential errors are real. fsync is off:
/// these clusters hold only test data.
package func withTemporaryPostgres<T>(_ body: (LocalPostgresInstance) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tidemark-pg-\(Identifier.make())").path
    var lastError: (any Error)?
    // A port found free can be taken before the server binds it; a second try covers that race.
    for _ in 0..<3 {
        try? FileManager.default.removeItem(atPath: directory)
        do {
            let instance = try await LocalPostgresInstance.create(
                in: directory,
                port: try FreePort.loopback(),
                password: Secret("pw-\(Identifier.make())"),
                tools: PostgresTools.discover(),
                runner: SubprocessRunner(),
                fastAndUnsafe: true
            )
            do {
                let result = try await body(instance)
                await instance.stop()
                try? FileManager.default.removeItem(atPath: directory)
                return result
            } catch {
                await instance.stop()
                try? FileManager.default.removeItem(atPath: directory)
                throw error
            }
        } catch let error as EngineError where error.kind == .toolNotFound {
            lastError = error
        }
    }
    try? FileManager.default.removeItem(atPath: directory)
    throw lastError ?? TidemarkError(code: "fixture-failed", message: "cannot start PostgreSQL", category: .internal)
}
