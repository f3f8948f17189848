import ArgumentParser
import Foundation
import Synchronization
import TidemarkControl
import TidemarkCore
import TidemarkEnvironment
import TidemarkStorage

/// What a command needs: the console and, built lazily, the control plane.
struct CommandContext {
    let options: GlobalOptions
    let console: Console
    /// The process's S3 connection pool, shut down when the command ends.
    let http: S3HTTPClient
    /// Remembers the control plane the command used, so its notifications can be sent at the end.
    let used: UsedControlPlane

    var isJSON: Bool { console.format == .json }

    /// The control plane for `--home`, after reconciling operations whose process died (kill -9
    /// of another command): commands that show, retry or start operations see them as failed
    /// or queued again, and a dead restore's half-restored database is dropped, without
    /// waiting for `serve`. A failure to reconcile never fails the command itself.
    func reconciledControl() async throws -> ControlPlane {
        let control = try control()
        _ = try? await control.operations.reconcile()
        return control
    }

    /// The control plane for `--home`.
    func control() throws -> ControlPlane {
        let control = try Environment.live(home: options.resolvedHome(), http: http)
        used.value.withLock { $0 = control }
        return control
    }
}

/// The control plane a command opened, if any.
final class UsedControlPlane: Sendable {
    let value = Mutex<ControlPlane?>(nil)

    /// Sends the webhook deliveries the command queued (a failed backup, a finished restore),
    /// each attempt bounded to a few seconds; what fails stays queued for `serve` to retry.
    func sendQueuedNotifications() async {
        guard let control = value.withLock({ $0 }) else { return }
        await control.webhooks.deliverDue(timeout: .seconds(3))
    }
}

extension GlobalOptions {
    /// Runs a command body, turning every error into `error:`/`hint:` lines and a stable exit code.
    func run(_ body: (CommandContext) async throws -> Void) async throws {
        let console = Console(format: resolvedFormat())
        // A private CA (self-hosted MinIO, an internal S3 gateway) is trusted through this file.
        let http = S3HTTPClient(trustRootsFile: ProcessInfo.processInfo.environment["TIDEMARK_S3_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 })
        let used = UsedControlPlane()
        let outcome: Result<Void, any Error>
        do {
            try await body(CommandContext(options: self, console: console, http: http, used: used))
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await used.sendQueuedNotifications()
        try? await http.shutdown()
        do {
            try outcome.get()
        } catch is OutputClosedError {
            // The reader of stdout went away (`| head -1`): like any Unix tool, end quietly.
            return
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
