import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

/// `POST /webhooks`. The secret travels in the request once and is never returned.
struct WebhookCreateBody: StrictBody {
    var name: String
    var url: String
    var events: [String]?
    var database: String?
    var secret: String?
    static let fields: Set<String> = ["name", "url", "events", "database", "secret"]
}

extension RouteTable {
    mutating func addWebhookRoutes(_ control: ControlPlane) {
        add(.get, "/webhooks", summary: "List webhooks (never their secrets)", role: .viewer, response: "WebhookList") { _, _ in
            try APIJSON.response(try await control.webhooks.list().map(WebhookRepresentation.init))
        }
        add(.post, "/webhooks", summary: "Register a webhook; events empty or absent means every event", role: .admin, body: "WebhookCreate", response: "Webhook", status: .created) { request, context in
            let body = try await request.decodeStrict(WebhookCreateBody.self, context: context)
            var events: Set<WebhookEvent> = []
            for name in body.events ?? [] {
                guard let event = WebhookEvent(rawValue: name) else {
                    let known = WebhookEvent.allCases.filter { $0 != .test }.map(\.rawValue).joined(separator: ", ")
                    throw APIError.badRequest("invalid-field", "field 'events' holds unknown event '\(name)'", hint: "Known events: \(known).")
                }
                events.insert(event)
            }
            let record = try await control.webhooks.add(
                name: body.name, url: body.url, events: events, database: body.database, secret: body.secret.map(Secret.init)
            )
            return try APIJSON.response(WebhookRepresentation(record), status: .created)
        }
        add(.get, "/webhooks/{name}", summary: "Show a webhook", role: .viewer, response: "Webhook") { _, context in
            try APIJSON.response(WebhookRepresentation(try await control.webhooks.get(named: try context.parameters.require("name"))))
        }
        add(.delete, "/webhooks/{name}", summary: "Remove a webhook and its queued deliveries", role: .admin, response: nil, status: .noContent) { _, context in
            try await control.webhooks.remove(named: try context.parameters.require("name"))
            return Response(status: .noContent)
        }
        add(.post, "/webhooks/{name}/test", summary: "Send a webhook.test event now; the delivery after its first attempt", role: .admin, response: "WebhookDelivery") { _, context in
            try APIJSON.response(WebhookDeliveryRepresentation(try await control.webhooks.test(named: try context.parameters.require("name"))))
        }
        add(
            .get, "/webhooks/{name}/deliveries", summary: "Recent deliveries of a webhook, newest first", role: .viewer,
            query: [QueryParameterDoc(name: "limit", type: "integer", description: "how many (1–500, default 50)", minimum: 1, maximum: 500)],
            response: "WebhookDeliveryList"
        ) { request, context in
            let name = try context.parameters.require("name")
            let limit = try request.pageSize()
            return try APIJSON.response(try await control.webhooks.deliveries(webhook: name, limit: limit).map(WebhookDeliveryRepresentation.init))
        }
    }
}
