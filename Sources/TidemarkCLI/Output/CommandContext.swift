import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore
import TidemarkStorage

/// What a command needs: the console and, built lazily, the control plane.
struct CommandContext {
    let options: GlobalOptions
    let console: Console
    /// The process's S3 connection pool, shut down when the command ends.
    let http: S3HTTPClient

    var isJSON: Bool { console.format == .json }

    /// The control plane for `--home`.
    func control() throws -> ControlPlane {
        try Environment.live(home: options.resolvedHome(), http: http)
    }
}

extension GlobalOptions {
    /// Runs a command body, turning every error into `error:`/`hint:` lines and a stable exit code.
    func run(_ body: (CommandContext) async throws -> Void) async throws {
        let console = Console(format: resolvedFormat())
        // A private CA (self-hosted MinIO, an internal S3 gateway) is trusted through this file.
        let http = S3HTTPClient(trustRootsFile: ProcessInfo.processInfo.environment["TIDEMARK_S3_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 })
        let outcome: Result<Void, any Error>
        do {
            try await body(CommandContext(options: self, console: console, http: http))
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try? await http.shutdown()
        do {
            try outcome.get()
        } catch let error as any UserFacingError {
            console.error(error)
            throw ExitCode(ExitCodes.code(for: error.category))
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch is CancellationError {
            console.error(TidemarkError(code: "cancelled", message: "the command was cancelled", category: .internal))
            throw ExitCode(1)
        } catch {
            console.error(TidemarkError(code: "internal-error", message: "internal error: \(error)", hint: "This is a bug; please report it with the command you ran.", category: .internal))
            throw ExitCode(1)
        }
    }
}
