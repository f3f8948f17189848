import ArgumentParser
import TidemarkCore

/// The stable exit codes of `tidemark`, one per error category (docs/OPERATIONS.md).
///
/// | code | meaning |
/// |---|---|
/// | 0 | success |
/// | 1 | internal error (a bug) |
/// | 2 | invalid input (bad URL, name, flag value) |
/// | 3 | not found (storage, database, backup, table, operation) |
/// | 4 | conflict (name taken, backup not completed, repository locked) |
/// | 5 | authentication (database credentials, repository passphrase) |
/// | 6 | unavailable (database or endpoint unreachable; retry later) |
/// | 7 | storage refused data (not writable, full) |
/// | 8 | integrity (verification found missing or corrupted data) |
/// | 9 | an external tool failed (pg_dump, pg_restore) |
/// | 64 | command-line usage error (from the argument parser) |
enum ExitCodes {
    static func code(for category: ErrorCategory) -> Int32 {
        switch category {
        case .internal: 1
        case .invalidInput: 2
        case .notFound: 3
        case .conflict: 4
        case .authentication: 5
        case .unavailable: 6
        case .storage: 7
        case .integrity: 8
        case .toolFailed: 9
        }
    }
}
