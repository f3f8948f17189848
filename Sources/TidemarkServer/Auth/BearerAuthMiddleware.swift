import Foundation
import Hummingbird
import Logging
import TidemarkControl
import TidemarkCore

/// Resolves `Authorization: Bearer TOKEN` to a token record (stored hashed, SPEC §7).
///
/// A request without the header passes with no token, so open routes (the OpenAPI document)
/// work; every other route refuses it in `RouteTable.require`. A header with an unknown,
/// revoked or malformed token is refused here with 401, whatever the route.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let control: ControlPlane

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix.lowercased()) else {
            throw Self.invalid("the Authorization header is not 'Bearer TOKEN'")
        }
        let token = String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        guard let record = try await control.tokens.authenticate(bearer: token) else {
            throw Self.invalid("the API token is not valid (unknown or revoked)")
        }
        var context = context
        context.token = record
        context.logger[metadataKey: "token"] = "\(record.name)"
        return try await next(request, context)
    }

    static func invalid(_ message: String) -> APIError {
        APIError(.unauthorized, code: "invalid-token", message: message, hint: "Create a token with 'tidemark token create NAME --role viewer|admin'.", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
    }
}
