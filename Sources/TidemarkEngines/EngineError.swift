package import TidemarkCore

/// Errors of database engines, with the tool's own words kept out of `message` when they
/// could hold connection details, and in `underlying` for the logs.
package struct EngineError: UserFacingError {
    package enum Code: String, Sendable {
        case databaseUnreachable = "database-unreachable"
        case authenticationFailed = "authentication-failed"
        case databaseNotFound = "database-not-found"
        case permissionDenied = "permission-denied"
        case tableNotFound = "table-not-found"
        case missingDependency = "missing-dependency"
        case toolNotFound = "tool-not-found"
        case dumpFailed = "dump-failed"
        case restoreFailed = "restore-failed"
        case archiveUnreadable = "archive-unreadable"
        case notSupported = "not-supported"
        /// The file is there but is no database of the engine (SQLite: "file is not a database").
        case notADatabase = "not-a-database"
        /// Too little free space for the work (SQLite's consistent copy is staged on disk).
        case insufficientSpace = "insufficient-space"
    }

    package var kind: Code
    package var message: String
    /// The hint given where the error was made, if any.
    package var specificHint: String?
    package var underlying: String?

    package init(_ kind: Code, _ message: String, hint: String? = nil, underlying: String? = nil) {
        self.kind = kind
        self.message = message
        self.specificHint = hint
        self.underlying = underlying
    }

    package var code: String { kind.rawValue }

    /// The specific hint, else the category's, so no error reaches a person without one.
    package var hint: String? { specificHint ?? category.defaultHint }

    package var category: ErrorCategory {
        switch kind {
        case .databaseUnreachable: .unavailable
        case .authenticationFailed, .permissionDenied: .authentication
        case .databaseNotFound, .tableNotFound, .toolNotFound: .notFound
        case .missingDependency, .notSupported, .notADatabase: .invalidInput
        case .insufficientSpace: .storage
        case .dumpFailed, .restoreFailed: .toolFailed
        case .archiveUnreadable: .integrity
        }
    }
}
