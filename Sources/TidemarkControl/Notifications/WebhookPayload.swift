package import Foundation
package import TidemarkCore

/// The JSON body every webhook receives (docs/OPERATIONS.md "Webhooks").
///
/// Keys are always present (`null` when not applicable), so receivers can rely on them.
package struct WebhookPayload: Encodable, Sendable {
    /// One id per event; the same event sent to two webhooks carries the same id.
    package var eventId: String
    package var event: String
    package var occurredAt: Date
    /// `completed` or `failed` for outcomes (restore.finished), else the event's state.
    package var status: String
    package var database: String?
    package var storage: String?
    /// One sentence for people (chat channels, pagers).
    package var message: String
    package var backup: BackupRepresentation?
    package var operation: OperationRepresentation?

    private enum CodingKeys: String, CodingKey { case eventId, event, occurredAt, status, database, storage, message, backup, operation }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(eventId, forKey: .eventId)
        try container.encode(event, forKey: .event)
        try container.encode(occurredAt, forKey: .occurredAt)
        try container.encode(status, forKey: .status)
        try container.encode(database, forKey: .database)
        try container.encode(storage, forKey: .storage)
        try container.encode(message, forKey: .message)
        try container.encode(backup, forKey: .backup)
        try container.encode(operation, forKey: .operation)
    }

    /// The exact bytes sent (sorted keys, ISO 8601 times), rendered once per event.
    func rendered() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// Something that happened and may be sent to webhooks.
package struct Notice: Sendable {
    package var event: WebhookEvent
    package var status: String
    package var database: String?
    package var storage: String?
    package var message: String
    package var backup: BackupRecord?
    package var operation: OperationRecord?

    package init(
        _ event: WebhookEvent, status: String, database: String? = nil, storage: String? = nil, message: String,
        backup: BackupRecord? = nil, operation: OperationRecord? = nil
    ) {
        self.event = event
        self.status = status
        self.database = database
        self.storage = storage
        self.message = message
        self.backup = backup
        self.operation = operation
    }
}
