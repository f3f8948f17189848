package import Foundation
package import TidemarkCore

/// The JSON shape of a webhook: never its secret, only whether it has one.
package struct WebhookRepresentation: Encodable, Sendable {
    package var name: String
    package var url: String
    /// Sorted; empty means every event.
    package var events: [String]
    /// Only this database's events; null: every database.
    package var database: String?
    /// Whether requests carry `X-Tidemark-Signature`.
    package var signed: Bool
    package var createdAt: Date

    package init(_ record: WebhookRecord) {
        name = record.name
        url = record.url
        events = record.events.map(\.rawValue).sorted()
        database = record.database
        signed = record.secret != nil
        createdAt = record.createdAt
    }

    private enum CodingKeys: String, CodingKey { case name, url, events, database, signed, createdAt }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(url, forKey: .url)
        try container.encode(events, forKey: .events)
        try container.encode(database, forKey: .database)
        try container.encode(signed, forKey: .signed)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

/// The JSON shape of one webhook delivery.
package struct WebhookDeliveryRepresentation: Encodable, Sendable {
    package var id: String
    package var webhook: String
    package var event: String
    package var status: String
    package var attempts: Int
    /// When the next attempt is due; null once delivered or failed.
    package var nextAttemptAt: Date?
    package var lastError: String?
    package var createdAt: Date
    package var deliveredAt: Date?

    package init(_ delivery: WebhookDelivery) {
        id = delivery.id
        webhook = delivery.webhook
        event = delivery.event.rawValue
        status = delivery.status.rawValue
        attempts = delivery.attempts
        nextAttemptAt = delivery.status == .pending ? delivery.nextAttemptAt : nil
        lastError = delivery.lastError
        createdAt = delivery.createdAt
        deliveredAt = delivery.deliveredAt
    }

    private enum CodingKeys: String, CodingKey { case id, webhook, event, status, attempts, nextAttemptAt, lastError, createdAt, deliveredAt }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(webhook, forKey: .webhook)
        try container.encode(event, forKey: .event)
        try container.encode(status, forKey: .status)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(deliveredAt, forKey: .deliveredAt)
    }
}
