package import TidemarkCore

/// Errors of object stores, one category per thing a user can do about it.
package struct StorageError: UserFacingError {
    package enum Code: String, Sendable {
        case notFound = "object-not-found"
        case notWritable = "storage-not-writable"
        case notReadable = "storage-not-readable"
        case diskFull = "storage-full"
        case invalidKey = "invalid-object-key"
        case pathOutsideRoot = "path-outside-root"
        case directoryMissing = "storage-directory-missing"
        case ioError = "storage-io-error"
    }

    package var kind: Code
    package var message: String
    package var hint: String?
    package var underlying: String?

    package init(_ kind: Code, _ message: String, hint: String? = nil, underlying: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
        self.underlying = underlying
    }

    package var code: String { kind.rawValue }

    package var category: ErrorCategory {
        switch kind {
        case .notFound, .directoryMissing: .notFound
        case .notWritable, .notReadable, .diskFull, .ioError: .storage
        case .invalidKey, .pathOutsideRoot: .invalidInput
        }
    }

    package var isRetryable: Bool { kind == .ioError }
}
