package import Foundation
package import Logging
package import TidemarkCore
import TidemarkRepository

/// The control plane both the CLI and the HTTP API call: every user-visible action is one
/// method here, so no logic lives twice (STYLE.md §1).
///
/// It sees only ports: the catalog, a factory for object stores, the engines, the clock and
/// the passphrase source. `Environment.live(home:)` (TidemarkEnvironment) supplies the real ones.
package struct ControlPlane: Sendable {
    /// Opens the object store for storage settings and their secret (S3 secret access key).
    package typealias StoreOpener = @Sendable (_ settings: StorageSettings, _ secret: Secret<String>?, _ use: StoreUse) async throws -> any ObjectStore
    /// Runs the storage connection test (SPEC §4.4) on a bare store.
    package typealias ConnectionTester = @Sendable (_ store: any ObjectStore) async -> ConnectionTestReport

    let catalog: any Catalog
    let openStore: StoreOpener
    let testConnection: ConnectionTester
    let engines: Engines
    package let now: @Sendable () -> Date
    /// The repository passphrase (TIDEMARK_PASSPHRASE or a prompt), asked for only when needed.
    let passphrase: @Sendable () throws -> Secret<String>
    package let logger: Logger
    /// Lease identity and retry rules of this process.
    package let configuration: Configuration
    /// Waits (the lease heartbeat); injected so tests need not sleep.
    let sleep: @Sendable (TimeInterval) async throws -> Void
    /// Counters and histograms for `/metrics`.
    package let metrics: ControlMetrics
    /// Sends webhook deliveries; nil leaves them queued (a process that never delivers).
    let webhookTransport: (any WebhookTransport)?
    /// Repository keys this process unlocked (one scrypt per repository per process).
    let unlockedKeys = UnlockedKeys()
    /// WAL files serve uploads before PostgreSQL pushes them (``WALUploadsAhead``).
    let walUploads = WALUploadsAhead()
    /// Runs managed PostgreSQL instances (SPEC §4.7); nil where there are none (some tests).
    let instances: (any InstanceManager)?
    /// Physical backups and WAL streaming of external PostgreSQL servers (SPEC §4.8); nil
    /// where there are none (some tests).
    let replication: (any ReplicationClient)?
    /// Where managed instances live: `<home>/instances/<name>/data`.
    let instanceRoot: String?

    package init(
        catalog: any Catalog,
        openStore: @escaping StoreOpener,
        testConnection: @escaping ConnectionTester,
        engines: [EngineKind: any DatabaseEngine],
        now: @escaping @Sendable () -> Date,
        passphrase: @escaping @Sendable () throws -> Secret<String>,
        logger: Logger,
        configuration: Configuration = Configuration(),
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) },
        metrics: ControlMetrics = ControlMetrics(),
        webhookTransport: (any WebhookTransport)? = nil,
        instances: (any InstanceManager)? = nil,
        replication: (any ReplicationClient)? = nil,
        instanceRoot: String? = nil
    ) {
        self.catalog = catalog
        self.openStore = openStore
        self.testConnection = testConnection
        self.engines = Engines(byKind: engines)
        self.now = now
        self.passphrase = passphrase
        self.logger = logger
        self.configuration = configuration
        self.sleep = sleep
        self.metrics = metrics
        self.webhookTransport = webhookTransport
        self.instances = instances
        self.replication = replication
        self.instanceRoot = instanceRoot
    }

    /// Runs operations of every kind (``Job``) and decides their outcomes.
    var runner: OperationRunner { OperationRunner(control: self) }

    /// The operation state machine with this process's retry backoff.
    var lifecycle: OperationLifecycle {
        let configuration = configuration
        return OperationLifecycle(retryDelay: { configuration.retryDelay(afterAttempt: $0) })
    }

    /// The engine for `kind`.
    /// - Throws: `ControlError` `engine-not-supported`.
    func engine(_ kind: EngineKind) throws -> any DatabaseEngine { try engines.engine(kind) }
}

/// What a store is opened for.
package enum StoreUse: Sendable {
    /// First use: create a local directory if missing. No retries, so failures show at once.
    case create
    /// The connection test: the bare store, no retries.
    case connectionTest
    /// Backups, restores and maintenance: wrapped for retries.
    case work
}
