package import Foundation
package import Logging
import Synchronization
package import Prometheus
import TidemarkCatalog
package import TidemarkControl
package import TidemarkCore
import TidemarkEngines
package import TidemarkServer
package import TidemarkStorage

#if canImport(Glibc)
    import Glibc
#endif

/// The composition root: the only place that names concrete adapters (STYLE.md §1, rule 2) and
/// assembles them into a control plane. The CLI (every command and `serve`), `tidemark-bench`
/// and the tests all build their control planes here: `live(home:)` for a real home,
/// `embedded(directory:)` for a catalog and storages in a directory with parts injected.
package enum Environment {
    /// The control plane for the catalog in `home`, with the real stores, engines and clock.
    /// - Parameters:
    ///   - workerID: names this process in operation leases (default `cli:host:pid`).
    ///   - passphrase: a passphrase read once up front (`serve`); nil reads it when needed.
    ///   - logLevel: the level when `TIDEMARK_LOG_LEVEL` is not set.
    ///   - base: the logger to use instead of swift-log's default (tests capture lines with it).
    ///   - now: the clock (tests move it to reach schedules and deadlines without sleeping).
    package static func live(
        home: String,
        http: S3HTTPClient,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        workerID: String? = nil,
        passphrase: Secret<String>? = nil,
        logLevel: Logger.Level = .critical,
        metrics: ControlMetrics = ControlMetrics(),
        logger base: Logger? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws -> ControlPlane {
        do {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // The home holds the catalog and its key: private even when it was made by hand.
            var info = stat()
            // Group search (x) alone stays: with managed instances under root, group postgres
            // passes through to its data directories (docs/OPERATIONS.md "Managed instances").
            let keepsGroupSearch = getuid() == 0 && FileManager.default.fileExists(atPath: "\(home)/instances")
            let privateMode: mode_t = keepsGroupSearch ? 0o710 : 0o700
            if stat(home, &info) == 0, info.st_mode & 0o777 & ~privateMode != 0, info.st_uid == getuid() { chmod(home, mode_t(info.st_mode & privateMode)) }
        } catch {
            throw TidemarkError(
                code: "home-not-writable",
                message: "cannot create the Tidemark home directory \(home)",
                hint: "Pass --home with a writable directory.",
                category: .storage
            )
        }
        let logger = {
            var logger = base ?? Logger(label: "tidemark")
            logger.logLevel = environment["TIDEMARK_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? logLevel
            return logger
        }()
        return try assemble(
            catalog: try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: try SecretSealer.load(home: home, environment: environment)),
            http: http,
            retryPolicy: RetryPolicy(budget: .seconds(try storageRetryBudget(environment: environment))),
            engines: realEngines(home: home, environment: environment),
            now: now,
            passphrase: Passphrase.once(given: passphrase, environment: environment),
            logger: logger,
            configuration: try {
                var configuration = try configuration(workerID: workerID, environment: environment)
                configuration.walExecutable = currentExecutable()
                configuration.walSocket = "\(home)/run/wal.sock"
                configuration.walReceiveRoot = "\(home)/wal-receive"
                return configuration
            }(),
            metrics: metrics,
            webhookTransport: HTTPWebhookTransport(http: http),
            instances: PostgresInstanceManager(runner: SubprocessRunner(), tools: PostgresTools.discover(environment: environment)),
            instanceRoot: "\(home)/instances"
        )
    }

    /// The engines of a real process: PostgreSQL and MariaDB through their tools, SQLite
    /// through the system library (SQLite's copies and MariaDB's client options files are in
    /// `<home>/tmp`).
    static func realEngines(home: String, environment: [String: String]) -> [EngineKind: any DatabaseEngine] {
        [
            .postgres: PostgresEngine(runner: SubprocessRunner(), tools: PostgresTools.discover(environment: environment)),
            .sqlite: SQLiteEngine(workDirectory: "\(home)/tmp"),
            .mariadb: MariaDBEngine(runner: SubprocessRunner(), workDirectory: "\(home)/tmp"),
        ]
    }

    /// A control plane over a catalog (`directory/catalog.sqlite`, a fixed sealing key) and the
    /// storages registered in it, assembled exactly as ``live(home:http:environment:workerID:passphrase:logLevel:metrics:logger:now:)``
    /// with the parts tests and benchmarks replace: engines (default: the real PostgreSQL
    /// engine), clock, passphrase, lease and retry settings, a wrapper for every store opened
    /// (fault injection: `FaultyObjectStore`) and the instance manager (default: the real one;
    /// tests inject one whose starts fail).
    /// - Parameters:
    ///   - http: the client for S3 storages; nil when the test uses local directories only.
    ///   - wrapStore: applied to each store before the retry wrapper (for work) is added.
    ///   - sleep: waits of the lease heartbeat.
    package static func embedded(
        directory: String,
        http: S3HTTPClient? = nil,
        engines: [EngineKind: any DatabaseEngine]? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        passphrase: @escaping @Sendable () throws -> Secret<String> = { Secret("test-passphrase") },
        configuration: ControlPlane.Configuration = ControlPlane.Configuration(),
        logger: Logger = Logger(label: "tidemark-embedded"),
        retryPolicy: RetryPolicy = RetryPolicy(),
        wrapStore: @escaping @Sendable (any ObjectStore, StoreUse) throws -> any ObjectStore = { store, _ in store },
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) },
        instances: (any InstanceManager)? = nil
    ) throws -> ControlPlane {
        try assemble(
            catalog: try SQLiteCatalog(path: "\(directory)/catalog.sqlite", sealer: SecretSealer(key: embeddedKey)),
            http: http,
            retryPolicy: retryPolicy,
            engines: engines ?? realEngines(home: directory, environment: ProcessInfo.processInfo.environment),
            now: now,
            passphrase: passphrase,
            logger: logger,
            configuration: configuration,
            metrics: ControlMetrics(),
            webhookTransport: http.map { HTTPWebhookTransport(http: $0) },
            instances: instances ?? PostgresInstanceManager(runner: SubprocessRunner(), tools: PostgresTools.discover()),
            instanceRoot: "\(directory)/instances",
            wrapStore: wrapStore,
            sleep: sleep
        )
    }

    /// The catalog `embedded(directory:)` uses, for fixtures and benchmarks that write rows
    /// straight into it (the control plane keeps its own catalog to itself).
    package static func embeddedCatalog(directory: String) throws -> any Catalog {
        try SQLiteCatalog(path: "\(directory)/catalog.sqlite", sealer: SecretSealer(key: embeddedKey))
    }

    /// The sealing key of embedded catalogs (tests and benchmarks only; never a real home's).
    private static let embeddedKey = [UInt8](repeating: 9, count: 32)

    /// The one place a control plane is put together.
    private static func assemble(
        catalog: SQLiteCatalog,
        http: S3HTTPClient?,
        retryPolicy: RetryPolicy,
        engines: [EngineKind: any DatabaseEngine],
        now: @escaping @Sendable () -> Date,
        passphrase: @escaping @Sendable () throws -> Secret<String>,
        logger: Logger,
        configuration: ControlPlane.Configuration,
        metrics: ControlMetrics,
        webhookTransport: (any WebhookTransport)?,
        instances: (any InstanceManager)?,
        instanceRoot: String?,
        wrapStore: @escaping @Sendable (any ObjectStore, StoreUse) throws -> any ObjectStore = { store, _ in store },
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }
    ) throws -> ControlPlane {
        ControlPlane(
            catalog: catalog,
            openStore: { settings, secret, use in
                var store: any ObjectStore
                switch settings {
                case .local(let path):
                    let local = LocalDirectoryObjectStore(root: path)
                    if use == .create { try local.prepare() }
                    store = local
                case .s3(let s3):
                    guard let secret else {
                        throw TidemarkError(code: "s3-secret-missing", message: "no secret access key is stored for \(settings.location)", hint: "Set it again with 'tidemark storage update NAME' and TIDEMARK_S3_SECRET_ACCESS_KEY.", category: .authentication)
                    }
                    guard let http else {
                        throw TidemarkError(code: "s3-unavailable", message: "this control plane has no HTTP client for \(settings.location)", category: .internal)
                    }
                    store = try S3ObjectStore(settings: s3, secretAccessKey: secret, http: http, logger: logger)
                }
                store = try wrapStore(store, use)
                // The connection test and first contact must fail fast; work survives blips.
                // Every failed attempt is counted for /metrics, including those a retry hid.
                guard use == .work else { return store }
                return RetryingObjectStore(InstrumentedObjectStore(store, onError: metrics.storageError), policy: retryPolicy, logger: logger)
            },
            testConnection: { store in await StorageConnectionTest.run(on: store) },
            engines: engines,
            now: now,
            passphrase: passphrase,
            logger: logger,
            configuration: configuration,
            sleep: sleep,
            metrics: metrics,
            webhookTransport: webhookTransport,
            instances: instances,
            replication: PostgresReplicationClient(runner: SubprocessRunner(), tools: PostgresTools.discover()),
            instanceRoot: instanceRoot
        )
    }
}

extension Environment {
    /// The absolute path of the running binary (PostgreSQL runs it for wal-push and wal-fetch).
    package static func currentExecutable() -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    /// Lease and retry settings, from `TIDEMARK_LEASE_SECONDS`, `TIDEMARK_RETRY_DELAY_SECONDS` and
    /// `TIDEMARK_WEBHOOK_RETRY_SECONDS` (docs/OPERATIONS.md); short values make crash tests fast.
    package static func configuration(workerID: String?, environment: [String: String]) throws -> ControlPlane.Configuration {
        var configuration = ControlPlane.Configuration()
        if let workerID { configuration.workerID = workerID }
        let host = ProcessInfo.processInfo.hostName
        // Signal 0 checks existence only: ESRCH means the holder of the lease died (kill -9)
        // and its operation can be reconciled now instead of when the lease runs out.
        configuration.isGoneLeaseOwner = { owner in owner.host == host && kill(owner.pid, 0) != 0 && errno == ESRCH }
        for (key, apply) in [
            ("TIDEMARK_LEASE_SECONDS", { (value: Double) in configuration.leaseDuration = value }),
            ("TIDEMARK_RETRY_DELAY_SECONDS", { (value: Double) in configuration.retryDelay = value }),
            ("TIDEMARK_WAL_FETCH_TIMEOUT_SECONDS", { (value: Double) in configuration.walFetchTimeout = value }),
            ("TIDEMARK_WAL_ALERT_SECONDS", { (value: Double) in configuration.walAlertSeconds = value }),
            ("TIDEMARK_WAL_PARTIAL_SECONDS", { (value: Double) in configuration.walPartialSeconds = value }),
            ("TIDEMARK_WAL_GAP_CHECK_SECONDS", { (value: Double) in configuration.walGapCheckSeconds = value }),
        ] {
            guard let text = environment[key], !text.isEmpty else { continue }
            guard let value = Double(text), value > 0 else {
                throw TidemarkError(code: "invalid-setting", message: "\(key)=\(text) is not a positive number of seconds", hint: "Unset it or give e.g. \(key)=30.", category: .invalidInput)
            }
            apply(value)
        }
        if let text = environment["TIDEMARK_MAX_INSTANCES"], !text.isEmpty {
            guard let value = Int(text), value >= 0 else {
                throw TidemarkError(code: "invalid-setting", message: "TIDEMARK_MAX_INSTANCES=\(text) is not a whole number", hint: "Unset it or give e.g. TIDEMARK_MAX_INSTANCES=20 (0 forbids managed instances).", category: .invalidInput)
            }
            configuration.maxManagedInstances = value
        }
        if let text = environment["TIDEMARK_WEBHOOK_RETRY_SECONDS"], !text.isEmpty {
            let delays = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard delays.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw TidemarkError(
                    code: "invalid-setting", message: "TIDEMARK_WEBHOOK_RETRY_SECONDS=\(text) is not a comma-separated list of seconds",
                    hint: "Unset it or give e.g. TIDEMARK_WEBHOOK_RETRY_SECONDS=10,60,600.", category: .invalidInput
                )
            }
            configuration.webhookRetryDelays = delays.compactMap { $0 }
        }
        return configuration
    }
}

extension Environment {
    /// How long storage calls may keep failing back to back before an operation gives up
    /// (`TIDEMARK_STORAGE_RETRY_SECONDS`, default 30; docs/OPERATIONS.md "Retries").
    package static func storageRetryBudget(environment: [String: String]) throws -> Double {
        guard let text = environment["TIDEMARK_STORAGE_RETRY_SECONDS"], !text.isEmpty else { return 30 }
        guard let value = Double(text), value >= 0, value <= 86_400 else {
            throw TidemarkError(
                code: "invalid-setting", message: "TIDEMARK_STORAGE_RETRY_SECONDS=\(text) is not a number of seconds from 0 to 86400",
                hint: "Unset it or give e.g. TIDEMARK_STORAGE_RETRY_SECONDS=30.", category: .invalidInput
            )
        }
        return value
    }
}

/// Reads the repository passphrase.
package enum Passphrase {
    /// A source that reads the passphrase the first time it is needed and keeps it in memory
    /// for the rest of the process (a preflight and the work then ask once, not twice).
    /// - Parameter given: a passphrase read up front (`serve`).
    package static func once(given: Secret<String>?, environment: [String: String]) -> @Sendable () throws -> Secret<String> {
        let remembered = Mutex<Secret<String>?>(given)
        return {
            try remembered.withLock { value in
                if let value { return value }
                let read = try Passphrase.read(environment: environment)
                value = read
                return read
            }
        }
    }

    package static func read(environment: [String: String]) throws -> Secret<String> {
        if let value = environment["TIDEMARK_PASSPHRASE"], !value.isEmpty { return Secret(value) }
        if isatty(STDIN_FILENO) == 1, let pointer = getpass("Repository passphrase: ") {
            let value = String(cString: pointer)
            if !value.isEmpty { return Secret(value) }
        }
        throw TidemarkError(
            code: "passphrase-missing",
            message: "no repository passphrase was given",
            hint: "Set TIDEMARK_PASSPHRASE, or run the command on a terminal to be asked for it.",
            category: .authentication
        )
    }
}

extension Environment {
    /// The metrics factory behind `serve`'s `/metrics`: every family documented (HELP), with
    /// buckets that suit backups (seconds to hours) rather than request-sized defaults.
    package static func metricsFactory(registry: PrometheusCollectorRegistry) -> DocumentedMetricsFactory {
        let long: [Duration] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400].map { .seconds($0) }
        return DocumentedMetricsFactory(registry: registry, buckets: [ControlMetrics.Name.backupDuration: long, ControlMetrics.Name.restoreDuration: long])
    }
}
