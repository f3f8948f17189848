/// The broad kind of a failure, which decides the CLI exit code and the HTTP status.
///
/// Categories are stable: scripts depend on the exit code each one maps to (see `ExitCodes.swift`).
package enum ErrorCategory: String, Sendable, Codable, CaseIterable {
    /// The request itself is wrong (bad URL, bad flag value).
    case invalidInput = "invalid-input"
    /// A named thing (storage, database, backup, table, operation) does not exist.
    case notFound = "not-found"
    /// A name is already taken, or the object is in a state that forbids the request.
    case conflict
    /// Credentials or the repository passphrase were rejected.
    case authentication
    /// A server or endpoint could not be reached; trying again later may succeed.
    case unavailable
    /// Storage refused to store data (not writable, disk full).
    case storage
    /// Stored data is missing or corrupted.
    case integrity
    /// An external tool (pg_dump, pg_restore) failed.
    case toolFailed = "tool-failed"
    /// A bug or an unexpected state.
    case `internal`
}

/// An error a person can act on: a stable code, a message naming the object involved, and a hint.
///
/// `message` starts lowercase and has no final period; `hint` is a full sentence. Neither may
/// contain a secret: full detail belongs only in `debugDescription` and the logs.
package protocol UserFacingError: Error, CustomStringConvertible, Sendable {
    /// Stable kebab-case code, e.g. `bucket-not-found` or `wrong-passphrase`.
    var code: String { get }
    /// What went wrong, naming the object involved.
    var message: String { get }
    /// How to fix it, when there is something to do.
    var hint: String? { get }
    /// The broad kind of failure.
    var category: ErrorCategory { get }
    /// Whether trying the same thing again later may succeed.
    var isRetryable: Bool { get }
}

extension UserFacingError {
    package var description: String { message }
    package var isRetryable: Bool { category == .unavailable }
}

extension ErrorCategory {
    /// What to do about an error of this kind when its code has no more specific hint, so
    /// every error a person sees (CLI `hint:` line, API `hint` field) says how to go on.
    package var defaultHint: String {
        switch self {
        case .invalidInput: "Check the value against the command's --help or docs/OPERATIONS.md, then try again."
        case .notFound: "Check the name or id: 'tidemark storage list', 'db list', 'backup list' and 'op list' show what exists."
        case .conflict: "Check the current state with the matching 'show' command, then try again."
        case .authentication: "Check the credentials, or the repository passphrase in TIDEMARK_PASSPHRASE."
        case .unavailable: "Check that the server or endpoint is running and reachable, then retry; 'tidemark storage test NAME' checks a storage."
        case .storage: "Check the storage's free space and permissions, then retry."
        case .integrity:
            "Stored data is missing or damaged: 'tidemark backup verify ID --read-data' lists every damaged object; restore from another backup ('tidemark backup list')."
        case .toolFailed: "The tool's own message is in the operation log ('tidemark op logs ID')."
        case .internal: "This is a bug; please report it with the command you ran and the operation id, if any."
        }
    }
}

/// A generic user-facing error for cases that do not belong to one module's error type.
package struct TidemarkError: UserFacingError {
    package var code: String
    package var message: String
    /// The hint given where the error was made, if any.
    package var specificHint: String?
    package var category: ErrorCategory

    package init(code: String, message: String, hint: String? = nil, category: ErrorCategory) {
        self.code = code
        self.message = message
        self.specificHint = hint
        self.category = category
    }

    /// The specific hint, else the category's.
    package var hint: String? { specificHint ?? category.defaultHint }
}
