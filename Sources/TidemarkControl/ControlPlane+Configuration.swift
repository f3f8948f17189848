package import Foundation
package import TidemarkCore

extension ControlPlane {
    /// How this process runs operations: its lease identity and the retry rules.
    package struct Configuration: Sendable {
        /// Names the process in leases (`cli:<host>:<pid>` or `serve:<host>:<pid>`), so an
        /// operation left by a dead process is recognisable in the catalog.
        package var workerID: String
        /// How long a lease lasts without renewal; a worker that stops renewing for this long
        /// is considered dead (kill -9, power loss) and its operation is reconciled.
        package var leaseDuration: TimeInterval
        /// Attempts for operations run by `serve` (scheduled backups, `--async` requests).
        package var backgroundAttempts: Int
        /// Delay before the second attempt after a transient failure; doubled per attempt,
        /// capped at `maxRetryDelay`.
        package var retryDelay: TimeInterval
        package var maxRetryDelay: TimeInterval
        /// Waits between webhook delivery attempts; after the last one a delivery is failed.
        package var webhookRetryDelays: [TimeInterval]
        /// Whether the lease owner `owner` is a process of this host that no longer exists; nil
        /// (the default) never says so, and dead workers are found when their lease expires.
        package var isGoneLeaseOwner: (@Sendable (LeaseOwner) -> Bool)?
        /// Managed instances this host may run at once (`TIDEMARK_MAX_INSTANCES`); `db create`
        /// and restores of physical backups beyond it are refused with `instance-limit`.
        package var maxManagedInstances: Int = 20
        /// The absolute path of the `tidemark` binary PostgreSQL runs as `archive_command`
        /// (`wal-push`) and `restore_command` (`wal-fetch`); nil: point-in-time recovery is
        /// unavailable in this process.
        package var walExecutable: String?
        /// The Unix socket where `serve` takes WAL from `wal-push` (`<home>/run/wal.sock`).
        package var walSocket: String?
        /// How long `wal-fetch` waits for a segment the restore is still fetching before it
        /// aborts recovery (exit 128).
        package var walFetchTimeout: TimeInterval = 600
        /// How long WAL may wait for archiving, while pushes fail, before `wal.archiving-failed`
        /// (for an external server: how long its replication slot may stay inactive).
        package var walAlertSeconds: TimeInterval = 120
        /// Where `serve` runs `pg_receivewal` for external servers that archive:
        /// `<home>/wal-receive/<namespace>/`; nil: this process receives no WAL.
        package var walReceiveRoot: String?
        /// How often the segment an external server is still writing is uploaded as a partial
        /// snapshot: with streaming, the RPO of an external server.
        package var walPartialSeconds: TimeInterval = 30
        /// How often `serve` lists each WAL archive for holes (`wal.gap`).
        package var walGapCheckSeconds: TimeInterval = 60

        package init(
            workerID: String = "cli:\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)",
            leaseDuration: TimeInterval = 30,
            backgroundAttempts: Int = 3,
            retryDelay: TimeInterval = 60,
            maxRetryDelay: TimeInterval = 900,
            webhookRetryDelays: [TimeInterval] = [10, 30, 60, 300, 900, 3600, 10800],
            isGoneLeaseOwner: (@Sendable (LeaseOwner) -> Bool)? = nil
        ) {
            self.workerID = workerID
            self.leaseDuration = leaseDuration
            self.backgroundAttempts = backgroundAttempts
            self.retryDelay = retryDelay
            self.maxRetryDelay = maxRetryDelay
            self.webhookRetryDelays = webhookRetryDelays
            self.isGoneLeaseOwner = isGoneLeaseOwner
        }

        /// The wait before attempt `attempt + 1`.
        package func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
            min(maxRetryDelay, retryDelay * pow(2, Double(max(0, attempt - 1))))
        }
    }
}

extension ControlPlane.Configuration {
    /// The `tidemark` binary PostgreSQL runs for WAL (`wal-push`, `wal-fetch`).
    /// - Throws: `pitr-unavailable` in a process that cannot name its own binary.
    func requireWALExecutable() throws -> String {
        guard let executable = walExecutable else {
            throw ControlError(.pitrUnavailable, "this Tidemark process does not know its own binary, which PostgreSQL must run to archive and fetch WAL")
        }
        return executable
    }
}

extension ControlPlane {
    /// The `tidemark` binary PostgreSQL runs for WAL (``Configuration/requireWALExecutable()``).
    func walExecutable() throws -> String { try configuration.requireWALExecutable() }
}
