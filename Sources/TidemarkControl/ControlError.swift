package import TidemarkCore

/// Errors of the control plane's own rules (names, states, lookups).
package struct ControlError: UserFacingError {
    package enum Code: String, Sendable {
        case storageNotFound = "storage-not-found"
        case databaseNotFound = "database-not-registered"
        case backupNotFound = "backup-not-found"
        case operationNotFound = "operation-not-found"
        case backupNotRestorable = "backup-not-completed"
        case targetExists = "target-exists"
        case nameTaken = "name-conflict"
        case storageRequired = "storage-required"
        case storageInUse = "storage-in-use"
        case storageOverlap = "storage-overlap"
        case engineNotSupported = "engine-not-supported"
        case verifyFailed = "verify-failed"
        case invalidTable = "invalid-table-name"
        case passphraseMissing = "passphrase-missing"
        case repositoryMismatch = "repository-mismatch"
        case storageKindChange = "storage-kind-change"
        case operationCancelled = "operation-cancelled"
        case leaseLost = "lease-lost"
        case workerLost = "worker-lost"
        case operationNotRetryable = "operation-not-retryable"
        case operationFinished = "operation-finished"
        case backupInProgress = "backup-in-progress"
        case planNotFound = "plan-not-found"
        case policyNotFound = "policy-not-found"
        case confirmationRequired = "confirmation-required"
        case databaseDeprovisioned = "database-deprovisioned"
        case cannotRunInBackground = "cannot-run-in-background"
        case webhookNotFound = "webhook-not-found"
        case invalidWebhook = "invalid-webhook"
        case invalidConfig = "invalid-config"
        /// The action needs a managed instance (SPEC §4.7) and the database is an external server.
        case notManaged = "not-managed"
        /// `--port` names a port another managed instance has, or that is in use.
        case portTaken = "port-taken"
        /// Managed instances are not available in this process (no instance directory).
        case instancesUnavailable = "instances-unavailable"
        /// This host already runs as many managed instances as `TIDEMARK_MAX_INSTANCES` allows.
        case instanceLimit = "instance-limit"
        case archiveNotFound = "wal-namespace-unknown"
        case pitrUnavailable = "pitr-unavailable"
        /// `storage attach` found no Tidemark repository at the place given.
        case repositoryNotFound = "repository-not-found"
        /// The backup already has a copy (queued, running or completed) in that storage.
        case copyExists = "copy-exists"
        /// A copy to the storage the backup is in.
        case copySameStorage = "copy-same-storage"
        /// A restore test found the restored data different from the backup's manifest.
        case restoreTestFailed = "restore-test-failed"
        /// Another restore test runs on this host (one at a time).
        case restoreTestInProgress = "restore-test-in-progress"
        /// Less free disk where the scratch target goes than the test needs.
        case insufficientSpace = "insufficient-space"
    }

    package var kind: Code
    package var message: String
    /// The hint given where the error was made, if any.
    package var specificHint: String?

    package init(_ kind: Code, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.specificHint = hint
    }

    package var code: String { kind.rawValue }

    /// The specific hint, else the category's, so no error reaches a person without one.
    package var hint: String? { specificHint ?? category.defaultHint }

    package var category: ErrorCategory {
        switch kind {
        case .storageNotFound, .databaseNotFound, .backupNotFound, .operationNotFound, .planNotFound, .policyNotFound, .webhookNotFound, .archiveNotFound, .repositoryNotFound: .notFound
        case .backupNotRestorable, .targetExists, .nameTaken, .storageInUse, .storageOverlap, .repositoryMismatch, .operationCancelled,
            .operationNotRetryable, .operationFinished, .backupInProgress, .confirmationRequired, .databaseDeprovisioned, .leaseLost, .portTaken, .instanceLimit, .copyExists,
            .restoreTestInProgress:
            .conflict
        case .storageRequired, .engineNotSupported, .invalidTable, .storageKindChange, .cannotRunInBackground, .invalidWebhook, .invalidConfig, .notManaged, .copySameStorage: .invalidInput
        case .workerLost, .instancesUnavailable, .pitrUnavailable, .insufficientSpace: .unavailable
        case .verifyFailed, .restoreTestFailed: .integrity
        case .passphraseMissing: .authentication
        }
    }
}
