import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

/// `POST /maintenance/prune`.
struct PruneBody: StrictBody {
    var olderThanDays: Int?
    static let fields: Set<String> = ["olderThanDays"]
}

/// `POST /tokens`.
struct TokenCreateBody: StrictBody {
    var name: String
    var role: String
    static let fields: Set<String> = ["name", "role"]
}

extension RouteTable {
    mutating func addOperationRoutes(_ control: ControlPlane) {
        add(
            .get, "/operations", summary: "List operations, newest first, one page at a time", role: .viewer,
            query: [QueryParameterDoc(name: "status", type: "string", description: "only operations with this status", values: OperationStatus.allCases.map(\.rawValue))] + Self.pageQuery,
            response: "OperationPage"
        ) { request, _ in
            let page = try await control.operations.page(status: try request.queryEnum("status", as: OperationStatus.self), limit: try request.pageSize(), after: try request.cursor())
            let now = control.now()
            return try APIJSON.response(PageRepresentation(items: page.items.map { OperationRepresentation($0, now: now) }, nextCursor: page.next?.token))
        }
        add(.get, "/operations/{id}", summary: "Show an operation: status, step, attempt, progress with ETA, last error", role: .viewer, response: "Operation") { _, context in
            try APIJSON.response(OperationRepresentation(try await control.operations.get(id: try context.parameters.require("id")), now: control.now()))
        }
        add(
            .get, "/operations/{id}/logs", summary: "An operation's log; with follow=true a stream of JSON lines (log, update, finished) until it ends", role: .viewer,
            query: [
                QueryParameterDoc(name: "after", type: "integer", description: "only lines with a sequence above this", minimum: 0, maximum: Int(Int32.max)),
                QueryParameterDoc(name: "follow", type: "boolean", description: "stream new lines and progress as application/x-ndjson until the operation ends"),
            ],
            response: "LogLineList", streams: true
        ) { request, context in
            let id = try context.parameters.require("id")
            let after = try request.queryInt("after", default: 0, range: 0...Int(Int32.max))
            guard try request.queryBool("follow") == true else {
                _ = try await control.operations.get(id: id)
                return try APIJSON.response(try await control.operations.logs(id: id, afterSequence: after))
            }
            let events = try await control.operations.follow(id: id, afterSequence: after)
            let encoder = APIJSON.encoder()
            return Response(
                status: .ok,
                headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"],
                body: ResponseBody { writer in
                    for try await event in events {
                        var data = try encoder.encode(OperationEventRepresentation(event, now: control.now()))
                        data.append(0x0A)
                        try await writer.write(ByteBuffer(bytes: data))
                    }
                    try await writer.finish(nil)
                }
            )
        }
        add(.post, "/operations/{id}/retry", summary: "Queue a failed or cancelled operation again", role: .admin, response: "Operation", status: .accepted) { _, context in
            try APIJSON.response(OperationRepresentation(try await control.operations.retry(id: try context.parameters.require("id"))), status: .accepted)
        }
        add(.post, "/operations/{id}/cancel", summary: "Cancel a queued operation or ask its worker to stop", role: .admin, response: "Operation") { _, context in
            try APIJSON.response(OperationRepresentation(try await control.operations.cancel(id: try context.parameters.require("id"))))
        }
    }

    mutating func addMaintenanceRoutes(_ control: ControlPlane) {
        add(
            .post, "/maintenance/prune", summary: "Queue a prune of old history: finished operations with their logs and webhook deliveries (backups are never touched)",
            role: .admin, body: "Prune", response: "Operation", status: .accepted
        ) { request, context in
            let body = try await request.decodeStrict(PruneBody.self, context: context)
            return try APIJSON.response(OperationRepresentation(try await control.operations.enqueuePrune(olderThanDays: body.olderThanDays ?? PruneRequest.defaultDays)), status: .accepted)
        }
    }

    mutating func addTokenRoutes(_ control: ControlPlane) {
        add(.get, "/tokens", summary: "List API tokens (never the tokens themselves)", role: .admin, response: "TokenList") { _, _ in
            try APIJSON.response(try await control.tokens.list().map(TokenRepresentation.init))
        }
        add(.post, "/tokens", summary: "Create an API token; the response is the only time it is shown", role: .admin, body: "TokenCreate", response: "CreatedToken", status: .created) { request, context in
            let body = try await request.decodeStrict(TokenCreateBody.self, context: context)
            guard let role = TokenRole(rawValue: body.role) else {
                throw APIError.badRequest("invalid-field", "field 'role' must be admin or viewer")
            }
            return try APIJSON.response(CreatedTokenRepresentation(try await control.tokens.create(name: body.name, role: role)), status: .created)
        }
        add(.delete, "/tokens/{name}", summary: "Revoke an API token", role: .admin, response: nil, status: .noContent) { _, context in
            try await control.tokens.revoke(named: try context.parameters.require("name"))
            return Response(status: .noContent)
        }
    }
}
