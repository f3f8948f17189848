package import TidemarkCore

/// Errors of the repository format: opening, reading, verifying and collecting garbage.
package struct RepositoryError: UserFacingError {
    package enum Code: String, Sendable {
        case wrongPassphrase = "wrong-passphrase"
        case notARepository = "not-a-repository"
        case alreadyInitialized = "repository-exists"
        case unsupportedVersion = "unsupported-repository-version"
        case objectMissing = "object-missing"
        case objectCorrupted = "object-corrupted"
        case chunkMissing = "chunk-missing"
        case manifestNotFound = "manifest-not-found"
        case repositoryLocked = "repository-locked"
        case compressionFailed = "compression-failed"
        case walConflict = "wal-conflict"
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
        case .wrongPassphrase: .authentication
        case .notARepository, .manifestNotFound: .notFound
        case .alreadyInitialized, .repositoryLocked, .walConflict: .conflict
        case .unsupportedVersion: .invalidInput
        case .objectMissing, .objectCorrupted, .chunkMissing: .integrity
        case .compressionFailed: .internal
        }
    }

    package var isRetryable: Bool { kind == .repositoryLocked }
}
