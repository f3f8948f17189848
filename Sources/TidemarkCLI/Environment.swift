import Foundation
import Logging
import TidemarkCatalog
import TidemarkControl
import TidemarkCore
import TidemarkEngines
import TidemarkStorage

#if canImport(Glibc)
    import Glibc
#endif

/// The composition root: the only place that names concrete adapters (STYLE.md §1, rule 2).
enum Environment {
    /// The control plane for the catalog in `home`, with the real stores, engines and clock.
    static func live(home: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ControlPlane {
        do {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TidemarkError(
                code: "home-not-writable",
                message: "cannot create the Tidemark home directory \(home)",
                hint: "Pass --home with a writable directory.",
                category: .storage
            )
        }
        let catalog = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: try SecretSealer.load(home: home, environment: environment))
        let runner = SubprocessRunner()
        var logger = Logger(label: "tidemark")
        logger.logLevel = environment["TIDEMARK_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return ControlPlane(
            catalog: catalog,
            openStore: { settings, create in
                switch settings {
                case .local(let path):
                    let store = LocalDirectoryObjectStore(root: path)
                    if create { try store.prepare() }
                    return store
                }
            },
            engines: [.postgres: PostgresEngine(runner: runner, tools: PostgresTools.discover(environment: environment))],
            now: { Date() },
            passphrase: { try Passphrase.read(environment: environment) },
            logger: logger
        )
    }
}

/// Reads the repository passphrase.
enum Passphrase {
    static func read(environment: [String: String]) throws -> Secret<String> {
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
