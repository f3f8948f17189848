import Foundation
import TidemarkCore
import TidemarkEngines

/// Runs `body` with a directory on a freshly mounted tmpfs of `kilobytes` (optionally
/// read-only), to produce real "disk full" and "read-only" conditions. Returns nil without
/// running `body` when mounting is not permitted (not root).
package func withSmallFilesystem<T>(kilobytes: Int, readOnly: Bool = false, _ body: (String) async throws -> T) async throws -> T? {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tidemark-fs-\(Identifier.make())").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let runner = SubprocessRunner()
    let options = "size=\(kilobytes)k" + (readOnly ? ",ro" : "")
    let mounted = try await runner.run(ProcessCommand(executable: "mount", arguments: ["-t", "tmpfs", "-o", options, "tmpfs", path]))
    guard mounted.succeeded else { return nil }
    do {
        let result = try await body(path)
        _ = try? await runner.run(ProcessCommand(executable: "umount", arguments: [path]))
        return result
    } catch {
        _ = try? await runner.run(ProcessCommand(executable: "umount", arguments: [path]))
        throw error
    }
}
