package import Foundation

/// What a webhook is told about (SPEC §4.11).
package enum WebhookEvent: String, Sendable, Codable, CaseIterable {
    /// A backup failed for good (no retry left, or not retryable).
    case backupFailed = "backup.failed"
    /// A backup completed after the database's previous backup had failed.
    case backupRecovered = "backup.recovered"
    /// A restore finished, successfully or not (`status` in the payload).
    case restoreFinished = "restore.finished"
    /// A plan saw no successful backup within twice its schedule's interval.
    case backupOverdue = "backup.overdue"
    /// A storage connection test failed.
    case storageTestFailed = "storage.test-failed"
    /// A managed instance kept dying: `serve` restarted it several times in a row and it did
    /// not stay up (it goes on trying, with backoff).
    case instanceFailing = "instance.failing"
    /// `wal-push` was given a WAL file whose name the archive already holds with other
    /// contents; it was refused, never overwritten (two clusters archiving into one namespace).
    case walConflict = "wal.conflict"
    /// A managed instance's WAL has waited for archiving longer than allowed while pushes fail
    /// (storage down, serve not running): its recovery window stops growing and `pg_wal` fills.
    case walArchivingFailed = "wal.archiving-failed"
    /// Archiving caught up after `wal.archiving-failed`.
    case walArchivingRecovered = "wal.archiving-recovered"
    /// The archive misses a WAL segment after a base backup while later ones are stored: the
    /// recovery window is split there (moments in the hole cannot be restored).
    case walGap = "wal.gap"
    /// A copy of a backup to another storage failed for good (no retry left, or not retryable).
    case copyFailed = "copy.failed"
    /// A restore test failed: the backup did not restore, or restored different data.
    case testRestoreFailed = "test-restore.failed"
    /// Sent by `tidemark webhook test` and `POST /webhooks/{name}/test`, whatever the filter.
    case test = "webhook.test"
}

/// A registered webhook: where events go and which ones.
package struct WebhookRecord: Sendable, Equatable {
    package var name: String
    /// An http or https URL.
    package var url: String
    /// The events sent; empty means every event.
    package var events: Set<WebhookEvent>
    /// Only events of this database (the webhook of its plan); nil: every database.
    package var database: String?
    /// Signs bodies with HMAC-SHA256 when set; sealed in the catalog.
    package var secret: Secret<String>?
    package var createdAt: Date

    package init(name: String, url: String, events: Set<WebhookEvent>, database: String?, secret: Secret<String>?, createdAt: Date) {
        self.name = name
        self.url = url
        self.events = events
        self.database = database
        self.secret = secret
        self.createdAt = createdAt
    }

    /// Whether this webhook wants `event` about `database`.
    package func wants(_ event: WebhookEvent, database eventDatabase: String?) -> Bool {
        guard events.isEmpty || events.contains(event) else { return false }
        guard let database else { return true }
        return database == eventDatabase
    }
}

/// Where a delivery stands.
package enum WebhookDeliveryStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for its first or next attempt.
    case pending
    /// The receiver answered 2xx.
    case delivered
    /// Every attempt failed; no more are made.
    case failed
}

/// One event for one webhook, queued in the catalog and sent by a dispatcher.
///
/// The body is rendered when the event happens, so a retry sends exactly the same bytes.
package struct WebhookDelivery: Sendable, Equatable {
    package var id: String
    package var webhook: String
    package var event: WebhookEvent
    /// The JSON body.
    package var body: String
    package var status: WebhookDeliveryStatus
    /// Attempts made so far.
    package var attempts: Int
    /// When the next attempt may start (also the claim's lease while one runs).
    package var nextAttemptAt: Date
    /// Why the last attempt failed, e.g. `HTTP 500` or `connection refused`.
    package var lastError: String?
    package var createdAt: Date
    package var deliveredAt: Date?

    package init(
        id: String, webhook: String, event: WebhookEvent, body: String, status: WebhookDeliveryStatus = .pending,
        attempts: Int = 0, nextAttemptAt: Date, lastError: String? = nil, createdAt: Date, deliveredAt: Date? = nil
    ) {
        self.id = id
        self.webhook = webhook
        self.event = event
        self.body = body
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}
