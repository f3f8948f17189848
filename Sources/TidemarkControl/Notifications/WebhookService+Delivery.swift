import Crypto
import Foundation
import Logging
package import TidemarkCore

extension WebhookService {
    /// How long a claimed delivery is held by one process before another may try it.
    static let deliveryLease: TimeInterval = 60
    /// How long one attempt may take before it counts as failed.
    package static let deliveryTimeout: Duration = .seconds(10)

    /// Sends the deliveries that are due, up to `limit` at once, and records each outcome.
    ///
    /// A 2xx answer delivers; anything else (another status, refused, timed out) is retried
    /// after `retryDelays`, then marked failed. Claims are atomic, so two
    /// processes never send the same attempt.
    /// - Returns: the deliveries as recorded after their attempt.
    @discardableResult
    package func deliverDue(limit: Int = 16, timeout: Duration = deliveryTimeout) async -> [WebhookDelivery] {
        guard let transport else { return [] }
        let claimed: [WebhookDelivery]
        do {
            claimed = try await catalog.claimDueDeliveries(now: now(), leaseUntil: now().addingTimeInterval(Self.deliveryLease), limit: limit)
        } catch {
            logger.error("could not read queued webhook deliveries: \(ErrorInfo(error).message)")
            return []
        }
        guard !claimed.isEmpty else { return [] }
        let webhooks = Dictionary(((try? await catalog.webhooks()) ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return await withTaskGroup(of: WebhookDelivery?.self) { group in
            for delivery in claimed {
                // Removed since it was queued (the cascade deleted the row): nothing to send.
                guard let webhook = webhooks[delivery.webhook] else { continue }
                group.addTask { await attempt(delivery, of: webhook, transport: transport, timeout: timeout) }
            }
            var results: [WebhookDelivery] = []
            for await result in group { if let result { results.append(result) } }
            return results
        }
    }

    /// One attempt of one delivery, recorded in the catalog.
    func attempt(_ delivery: WebhookDelivery, of webhook: WebhookRecord, transport: any WebhookTransport, timeout: Duration = deliveryTimeout) async -> WebhookDelivery {
        var delivery = delivery
        let body = Array(delivery.body.utf8)
        var headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", "tidemark-webhook"),
            ("X-Tidemark-Event", delivery.event.rawValue),
            ("X-Tidemark-Delivery", delivery.id),
        ]
        if let secret = webhook.secret { headers.append(("X-Tidemark-Signature", Self.signature(body: body, secret: secret))) }
        delivery.attempts += 1
        do {
            let status = try await transport.post(url: webhook.url, headers: headers, body: body, timeout: timeout)
            if (200..<300).contains(status) {
                delivery.status = .delivered
                delivery.deliveredAt = now()
                delivery.lastError = nil
            } else {
                delivery.lastError = "the receiver answered HTTP \(status)"
            }
        } catch {
            delivery.lastError = ErrorInfo(error).message
        }
        if delivery.status != .delivered {
            let delays = retryDelays
            if delivery.attempts > delays.count {
                delivery.status = .failed
                logger.warning("webhook \(webhook.name): giving up on \(delivery.event.rawValue) delivery \(delivery.id) after \(delivery.attempts) attempts: \(delivery.lastError ?? "")")
            } else {
                delivery.nextAttemptAt = now().addingTimeInterval(delays[delivery.attempts - 1])
                logger.info("webhook \(webhook.name): attempt \(delivery.attempts) of delivery \(delivery.id) failed (\(delivery.lastError ?? "")); retrying in \(Int(delays[delivery.attempts - 1]))s")
            }
        }
        metrics.webhookAttempt(outcome: delivery.status)
        do {
            try await catalog.updateDelivery(delivery)
        } catch {
            // The claim's lease runs out and the attempt is made again: at least once, never lost.
            logger.error("could not record webhook delivery \(delivery.id): \(ErrorInfo(error).message)")
        }
        return delivery
    }

    /// `sha256=` and the lower-case hex HMAC-SHA256 of the body under the webhook's secret.
    package static func signature(body: [UInt8], secret: Secret<String>) -> String {
        let key = SymmetricKey(data: Array(secret.revealed.utf8))
        return "sha256=" + Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: body, using: key)))
    }
}
