package import Foundation
package import TidemarkCore

// Webhooks (secrets sealed like database passwords), their delivery queue, and notices.
extension SQLiteCatalog {
    package func insertWebhook(_ webhook: WebhookRecord) async throws {
        let sealed = try sealed(webhook.secret, label: "webhook:\(webhook.name)")
        let events = webhook.events.map(\.rawValue).sorted().joined(separator: ",")
        do {
            try connection.execute(
                "INSERT INTO webhooks (name, url, events, database, sealed_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(webhook.name), .text(webhook.url), .text(events), webhook.database.map(SQLiteValue.text) ?? .null, sealed, date(webhook.createdAt)]
            )
        } catch let error as CatalogError where error.kind == .nameConflict {
            throw CatalogError(.nameConflict, "a webhook named \(webhook.name) already exists", hint: "Choose another name, or remove it first with 'tidemark webhook remove \(webhook.name)'.")
        }
    }

    package func webhook(named name: String) async throws -> WebhookRecord? {
        try connection.query("SELECT * FROM webhooks WHERE name = ?", [.text(name)]).first.map(webhookRecord)
    }

    package func webhooks() async throws -> [WebhookRecord] {
        try connection.query("SELECT * FROM webhooks ORDER BY name").map(webhookRecord)
    }

    package func deleteWebhook(named name: String) async throws {
        let deleted = try connection.query("DELETE FROM webhooks WHERE name = ? RETURNING name", [.text(name)])
        guard !deleted.isEmpty else {
            throw CatalogError(.notFound, "webhook \(name) does not exist", hint: "Run 'tidemark webhook list' to see the webhooks.")
        }
    }

    package func insertDeliveries(_ deliveries: [WebhookDelivery]) async throws {
        guard !deliveries.isEmpty else { return }
        try connection.transaction { run in
            for delivery in deliveries {
                _ = try run(
                    """
                    INSERT INTO webhook_deliveries (id, webhook, event, body, status, attempts, next_attempt_at, last_error, created_at, delivered_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(delivery.id), .text(delivery.webhook), .text(delivery.event.rawValue), .text(delivery.body),
                        .text(delivery.status.rawValue), .integer(Int64(delivery.attempts)), date(delivery.nextAttemptAt),
                        delivery.lastError.map(SQLiteValue.text) ?? .null, date(delivery.createdAt), delivery.deliveredAt.map(date) ?? .null,
                    ]
                )
            }
            return ()
        }
    }

    package func claimDueDeliveries(now: Date, leaseUntil: Date, limit: Int) async throws -> [WebhookDelivery] {
        // One UPDATE … RETURNING: the claim and the read are a single atomic statement.
        try connection.query(
            """
            UPDATE webhook_deliveries SET next_attempt_at = ?1
            WHERE id IN (
                SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?2
                ORDER BY next_attempt_at, id LIMIT ?3
            )
            RETURNING *
            """,
            [date(leaseUntil), date(now), .integer(Int64(limit))]
        ).map(delivery).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    package func updateDelivery(_ delivery: WebhookDelivery) async throws {
        try connection.execute(
            "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ? WHERE id = ?",
            [
                .text(delivery.status.rawValue), .integer(Int64(delivery.attempts)), date(delivery.nextAttemptAt),
                delivery.lastError.map(SQLiteValue.text) ?? .null, delivery.deliveredAt.map(date) ?? .null, .text(delivery.id),
            ]
        )
    }

    package func deliveries(webhook: String?, limit: Int) async throws -> [WebhookDelivery] {
        if let webhook {
            return try connection.query(
                "SELECT * FROM webhook_deliveries WHERE webhook = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                [.text(webhook), .integer(Int64(limit))]
            ).map(delivery)
        }
        return try connection.query("SELECT * FROM webhook_deliveries ORDER BY created_at DESC, id DESC LIMIT ?", [.integer(Int64(limit))]).map(delivery)
    }

    package func noticeSentAt(key: String) async throws -> Date? {
        try connection.query("SELECT sent_at FROM notices WHERE key = ?", [.text(key)]).first.flatMap { dateValue($0["sent_at"]) }
    }

    package func recordNotice(key: String, at time: Date) async throws {
        try connection.execute(
            "INSERT INTO notices (key, sent_at) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET sent_at = ?2",
            [.text(key), date(time)]
        )
    }

    private func webhookRecord(_ row: SQLiteRow) throws -> WebhookRecord {
        let name = row["name"].string ?? ""
        let events = (row["events"].string ?? "").split(separator: ",").compactMap { WebhookEvent(rawValue: String($0)) }
        return WebhookRecord(
            name: name,
            url: row["url"].string ?? "",
            events: Set(events),
            database: row["database"].string,
            secret: try opened(row["sealed_secret"], label: "webhook:\(name)"),
            createdAt: dateValue(row["created_at"]) ?? Date(timeIntervalSince1970: 0)
        )
    }

    private func delivery(_ row: SQLiteRow) throws -> WebhookDelivery {
        WebhookDelivery(
            id: row["id"].string ?? "",
            webhook: row["webhook"].string ?? "",
            event: row["event"].string.flatMap(WebhookEvent.init(rawValue:)) ?? .test,
            body: row["body"].string ?? "",
            status: row["status"].string.flatMap(WebhookDeliveryStatus.init(rawValue:)) ?? .pending,
            attempts: Int(row["attempts"].int ?? 0),
            nextAttemptAt: dateValue(row["next_attempt_at"]) ?? Date(timeIntervalSince1970: 0),
            lastError: row["last_error"].string,
            createdAt: dateValue(row["created_at"]) ?? Date(timeIntervalSince1970: 0),
            deliveredAt: dateValue(row["delivered_at"])
        )
    }
}
