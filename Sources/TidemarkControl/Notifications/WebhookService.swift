import Foundation
import Logging
package import TidemarkCore

/// Webhooks (SPEC §4.11): registration, the outbox of deliveries that events queue, and their
/// sending. It sees only the catalog, the clock, the transport, its retry delays, the log and
/// the metrics.
package struct WebhookService: Sendable {
    let catalog: any Catalog
    let now: @Sendable () -> Date
    let transport: (any WebhookTransport)?
    /// Waits between delivery attempts; after the last one a delivery is failed.
    let retryDelays: [TimeInterval]
    let logger: Logger
    let metrics: ControlMetrics

    /// Registers a webhook.
    ///
    /// - Parameters:
    ///   - events: the events to send; empty sends every event.
    ///   - database: only events of this database (its plan's webhook); nil: all databases.
    ///   - secret: signs every body (`X-Tidemark-Signature: sha256=…`); stored sealed.
    /// - Throws: `invalid-name`, `invalid-webhook` (URL), `database-not-registered`, `name-conflict`.
    package func add(
        name: String, url: String, events: Set<WebhookEvent>, database: String?, secret: Secret<String>?
    ) async throws -> WebhookRecord {
        try NameRule.validate(name, what: "webhook")
        try Self.validateURL(url)
        if events.contains(.test) {
            throw ControlError(.invalidWebhook, "\(WebhookEvent.test.rawValue) cannot be subscribed to", hint: "Test events are sent on request by 'tidemark webhook test NAME' to any webhook.")
        }
        if let database, try await catalog.database(named: database) == nil {
            throw ControlError(.databaseNotFound, "database \(database) is not registered", hint: "Run 'tidemark db list', or register it with 'tidemark db add'.")
        }
        if let secret, secret.revealed.isEmpty {
            throw ControlError(.invalidWebhook, "the webhook secret is empty", hint: "Give a secret of at least 16 characters, or none for unsigned requests.")
        }
        let record = WebhookRecord(name: name, url: url, events: events, database: database, secret: secret, createdAt: now())
        try await catalog.insertWebhook(record)
        logger.info("webhook \(name) added", metadata: ["events": "\(events.isEmpty ? "all" : events.map(\.rawValue).sorted().joined(separator: ","))"])
        return record
    }

    /// Every webhook, by name.
    package func list() async throws -> [WebhookRecord] {
        try await catalog.webhooks()
    }

    /// The webhook named `name`.
    /// - Throws: `webhook-not-found`.
    package func get(named name: String) async throws -> WebhookRecord {
        guard let record = try await catalog.webhook(named: name) else {
            throw ControlError(.webhookNotFound, "webhook \(name) does not exist", hint: "Run 'tidemark webhook list' to see the webhooks.")
        }
        return record
    }

    /// Removes a webhook and its queued deliveries.
    package func remove(named name: String) async throws {
        _ = try await get(named: name)
        try await catalog.deleteWebhook(named: name)
    }

    /// Recent deliveries, newest first, optionally of one webhook.
    package func deliveries(webhook name: String?, limit: Int = 50) async throws -> [WebhookDelivery] {
        if let name { _ = try await get(named: name) }
        return try await catalog.deliveries(webhook: name, limit: max(1, min(limit, 500)))
    }

    /// Sends a `webhook.test` event to one webhook now and returns the delivery after its
    /// first attempt (queued for retries like any other when that attempt failed).
    package func test(named name: String, timeout: Duration = deliveryTimeout) async throws -> WebhookDelivery {
        let webhook = try await get(named: name)
        let notice = Notice(.test, status: "test", message: "test event from Tidemark for webhook \(name)")
        var delivery = try makeDeliveries(for: notice, to: [webhook])[0]
        // Inserted already claimed by this attempt, so `serve` does not send it at the same time.
        if transport != nil { delivery.nextAttemptAt = now().addingTimeInterval(Self.deliveryLease) }
        try await catalog.insertDeliveries([delivery])
        guard let transport else { return delivery }
        return await attempt(delivery, of: webhook, transport: transport, timeout: timeout)
    }

    /// Queues `notice` for every webhook that wants it. Never throws and never sends: the
    /// caller (a backup, a restore) must not wait for or fail because of a receiver.
    func notify(_ notice: Notice) async {
        do {
            let targets = try await catalog.webhooks().filter { $0.wants(notice.event, database: notice.database) }
            guard !targets.isEmpty else { return }
            try await catalog.insertDeliveries(try makeDeliveries(for: notice, to: targets))
            logger.debug("queued \(notice.event.rawValue) for \(targets.count) webhook(s)")
        } catch {
            logger.warning("could not queue the \(notice.event.rawValue) notification: \(ErrorInfo(error).message)")
        }
    }

    private func makeDeliveries(for notice: Notice, to webhooks: [WebhookRecord]) throws -> [WebhookDelivery] {
        let time = now()
        let payload = WebhookPayload(
            eventId: Identifier.make(),
            event: notice.event.rawValue,
            occurredAt: time,
            status: notice.status,
            database: notice.database,
            storage: notice.storage,
            message: notice.message,
            backup: notice.backup.map { BackupRepresentation($0, includeContents: false) },
            operation: notice.operation.map { OperationRepresentation($0) }
        )
        let body = try payload.rendered()
        return webhooks.map { WebhookDelivery(id: Identifier.make(), webhook: $0.name, event: notice.event, body: body, nextAttemptAt: time, createdAt: time) }
    }

    static func validateURL(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw ControlError(.invalidWebhook, "the webhook URL \(text) is not an http or https URL", hint: "Give a full URL, e.g. https://hooks.example.com/tidemark.")
        }
        // Credentials in the URL would be stored and shown in plain text.
        if components.user != nil || components.password != nil {
            throw ControlError(.invalidWebhook, "the webhook URL must not contain a user name or password", hint: "Use --secret-env to sign requests instead; the receiver checks the signature.")
        }
    }
}

extension ControlPlane {
    /// Webhooks: registration, deliveries and the outbox events go to.
    package var webhooks: WebhookService {
        WebhookService(
            catalog: catalog, now: now, transport: webhookTransport, retryDelays: configuration.webhookRetryDelays, logger: logger, metrics: metrics
        )
    }

    /// Queues `notice` for the webhooks that want it (never fails the work that sent it).
    func notify(_ notice: Notice) async {
        await webhooks.notify(notice)
    }
}
