package import Hummingbird
package import TidemarkCore

/// A query parameter as documented in the OpenAPI document.
struct QueryParameterDoc: Sendable {
    var name: String
    /// JSON schema type: `string`, `integer` or `boolean`.
    var type: String
    var description: String
    var values: [String]? = nil
    /// Bounds the server enforces on an integer (documented so clients can rely on them).
    var minimum: Int? = nil
    var maximum: Int? = nil
    /// The pattern the server enforces on a string.
    var pattern: String? = nil
}

/// One API route as documented: the router and `/api/v1/openapi.json` are both built from
/// these, so a route cannot exist without its documentation (a test checks the reverse).
package struct RouteDoc: Sendable {
    package var method: HTTPRequest.Method
    /// Path under `/api/v1` in OpenAPI form, e.g. `/backups/{id}`.
    package var path: String
    var summary: String
    /// The role a token needs; nil for open routes.
    package var role: TokenRole?
    var query: [QueryParameterDoc]
    /// Schema name of the JSON body, if any.
    package var body: String?
    /// Schema name of the success response, nil for 204.
    var response: String?
    var status: HTTPResponse.Status
    /// The response is a stream of JSON lines rather than one document.
    var streams: Bool
}

/// Registers routes on a router group and records their documentation.
struct RouteTable {
    typealias Handler = @Sendable (Request, APIRequestContext) async throws -> Response
    let group: RouterGroup<APIRequestContext>
    private(set) var docs: [RouteDoc] = []

    init(group: RouterGroup<APIRequestContext>) {
        self.group = group
    }

    /// Adds a route that needs `role` (admin also passes viewer routes).
    mutating func add(
        _ method: HTTPRequest.Method,
        _ path: String,
        summary: String,
        role: TokenRole?,
        query: [QueryParameterDoc] = [],
        body: String? = nil,
        response: String?,
        status: HTTPResponse.Status = .ok,
        streams: Bool = false,
        _ handler: @escaping Handler
    ) {
        add(RouteDoc(method: method, path: path, summary: summary, role: role, query: query, body: body, response: response, status: status, streams: streams), handler)
    }

    /// Adds a documented route.
    mutating func add(_ doc: RouteDoc, _ handler: @escaping Handler) {
        docs.append(doc)
        let role = doc.role
        group.on(RouterPath(doc.path), method: doc.method) { request, context in
            if let role { try Self.require(role, context) }
            return try await handler(request, context)
        }
    }

    /// Refuses a request whose token lacks `role` (SPEC §7: viewers read, admins act).
    static func require(_ role: TokenRole, _ context: APIRequestContext) throws {
        guard let token = context.token else {
            throw APIError(.unauthorized, code: "unauthorized", message: "this route needs an API token", hint: "Send 'Authorization: Bearer TOKEN'; create one with 'tidemark token create NAME --role viewer'.", headers: [.wwwAuthenticate: "Bearer"])
        }
        if role == .admin && token.role != .admin {
            throw APIError(.forbidden, code: "forbidden", message: "token \(token.name) has the viewer role; this route needs admin", hint: "Use a token created with '--role admin'.")
        }
    }
}
