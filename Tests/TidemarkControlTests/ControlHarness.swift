import Foundation
import Logging
@testable import TidemarkControl
import TidemarkCore
import TidemarkEnvironment
import TidemarkTesting

/// A control plane for the Control tests: the real SQLite catalog and a local-directory
/// storage in a temporary directory, a scripted database server, a manual clock. No real
/// services: each test runs in milliseconds.
struct ControlHarness {
    let control: ControlPlane
    let catalog: any Catalog
    let engine: ScriptedDatabaseEngine
    let time: ManualTime
    let directory: String

    /// Runs `body` with a harness; database `shop` and storage `local1` are registered (the
    /// repository initialised) unless `register` is false.
    /// - Parameter passphrase: what the passphrase source gives; nil: none is at hand.
    static func with(
        passphrase: String? = "test-passphrase",
        serverDatabases: Set<String> = ["shop"],
        register: Bool = true,
        _ body: (ControlHarness) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let time = ManualTime(utc("2026-12-01T10:00:00Z"))
            let engine = ScriptedDatabaseEngine(databases: serverDatabases)
            var logger = Logger(label: "control-test")
            logger.logLevel = .critical
            let configuration = ControlPlane.Configuration(workerID: "test-worker", leaseDuration: 30, backgroundAttempts: 2, retryDelay: 60)
            let control = try Environment.embedded(
                directory: directory,
                engines: [.postgres: engine],
                now: { time.now },
                passphrase: {
                    guard let passphrase else {
                        throw TidemarkError(code: "passphrase-missing", message: "no repository passphrase was given", category: .authentication)
                    }
                    return Secret(passphrase)
                },
                configuration: configuration,
                logger: logger,
                sleep: { _ in try await Task.sleep(for: .seconds(3600)) }
            )
            let catalog = control.catalog
            let harness = ControlHarness(control: control, catalog: catalog, engine: engine, time: time, directory: directory)
            if register {
                // Registering needs the passphrase even when the test's source has none.
                let seeded = try Environment.embedded(
                    directory: directory, engines: [.postgres: engine], now: { time.now }, configuration: configuration, logger: logger
                )
                _ = try await seeded.storages.add(name: "local1", settings: .local(path: "\(directory)/repo"), secret: nil)
                _ = try await seeded.databases.add(name: "shop", engine: .postgres, url: "postgres://u@127.0.0.1:1/shop", plan: nil)
            }
            try await body(harness)
        }
    }

    /// Every operation in the catalog.
    func operations() async throws -> [OperationRecord] { try await catalog.operations(status: nil) }

    /// Every backup in the catalog.
    func backups() async throws -> [BackupRecord] { try await catalog.backups(matching: BackupFilter()) }
}
