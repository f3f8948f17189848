import TidemarkCore

/// The database engines this process can work with, by kind.
struct Engines: Sendable {
    let byKind: [EngineKind: any DatabaseEngine]

    /// The engine for `kind`.
    /// - Throws: `ControlError` `engine-not-supported`.
    func engine(_ kind: EngineKind) throws -> any DatabaseEngine {
        guard let engine = byKind[kind] else {
            throw ControlError(.engineNotSupported, "the \(kind.rawValue) engine is not available yet", hint: "Use a PostgreSQL database.")
        }
        return engine
    }
}
