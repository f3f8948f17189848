package import TidemarkCore

/// Errors of the catalog.
package struct CatalogError: UserFacingError {
    package enum Code: String, Sendable {
        case nameConflict = "name-conflict"
        case notFound = "not-found"
        case cannotOpen = "catalog-unavailable"
        case queryFailed = "catalog-query-failed"
        case sealedSecretUnreadable = "catalog-secret-unreadable"
        case inUse = "in-use"
        case purged = "backup-purged"
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
        case .nameConflict, .inUse, .purged: .conflict
        case .notFound: .notFound
        case .cannotOpen: .storage
        case .queryFailed: .internal
        case .sealedSecretUnreadable: .authentication
        }
    }
}
