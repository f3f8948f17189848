import TidemarkCore

/// The database engines this process can work with, by kind.
struct Engines: Sendable {
    let byKind: [EngineKind: any DatabaseEngine]

    /// The engine for `kind`.
    /// - Throws: `ControlError` `engine-not-supported`.
    func engine(_ kind: EngineKind) throws -> any DatabaseEngine {
        guard let engine = byKind[kind] else {
            throw ControlError(.engineNotSupported, "the \(kind.rawValue) engine is not available yet", hint: "This build of Tidemark knows \(byKind.keys.map(\.rawValue).sorted().joined(separator: ", ")).")
        }
        return engine
    }

    /// What the engine of `kind` can do.
    /// - Throws: `engine-not-supported`.
    func capabilities(of kind: EngineKind) throws -> EngineCapabilities { try engine(kind).capabilities }

    /// Refuses a physical backup, or WAL archiving, of a `kind` database when its engine has none.
    /// - Throws: `engine-not-supported`, `not-managed` naming what the engine offers instead.
    func requirePhysical(_ kind: EngineKind, database name: String, pitr: Bool) throws {
        let capabilities = try capabilities(of: kind)
        if !capabilities.physicalBackups {
            throw ControlError(.notManaged, "database \(name) is a \(kind.rawValue) database, which has no physical backups", hint: "Use --method logical.")
        }
        if pitr && !capabilities.pointInTimeRecovery {
            throw ControlError(.notManaged, "database \(name) is a \(kind.rawValue) database, which has no point-in-time recovery", hint: "Leave out --pitr.")
        }
    }
}
