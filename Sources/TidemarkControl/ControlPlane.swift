package import Foundation
package import Logging
package import TidemarkCore

/// The control plane both the CLI and the HTTP API call: every user-visible action is one
/// method here, so no logic lives twice (STYLE.md §1).
///
/// It sees only ports: the catalog, a factory for object stores, the engines, the clock and
/// the passphrase source. `Environment.live(home:)` in the CLI supplies the real ones.
package struct ControlPlane: Sendable {
    /// Opens the object store for storage settings; with `create`, prepares it for first use
    /// (creates a local directory and checks it is writable).
    package typealias StoreOpener = @Sendable (_ settings: StorageSettings, _ create: Bool) async throws -> any ObjectStore

    package let catalog: any Catalog
    package let openStore: StoreOpener
    package let engines: [EngineKind: any DatabaseEngine]
    package let now: @Sendable () -> Date
    /// The repository passphrase (TIDEMARK_PASSPHRASE or a prompt), asked for only when needed.
    package let passphrase: @Sendable () throws -> Secret<String>
    package let logger: Logger

    package init(
        catalog: any Catalog,
        openStore: @escaping StoreOpener,
        engines: [EngineKind: any DatabaseEngine],
        now: @escaping @Sendable () -> Date,
        passphrase: @escaping @Sendable () throws -> Secret<String>,
        logger: Logger
    ) {
        self.catalog = catalog
        self.openStore = openStore
        self.engines = engines
        self.now = now
        self.passphrase = passphrase
        self.logger = logger
    }

    /// The engine for `kind`.
    /// - Throws: `ControlError` `engine-not-supported`.
    func engine(_ kind: EngineKind) throws -> any DatabaseEngine {
        guard let engine = engines[kind] else {
            throw ControlError(.engineNotSupported, "the \(kind.rawValue) engine is not available yet", hint: "Use a PostgreSQL database.")
        }
        return engine
    }
}
