import Foundation
import Hummingbird
import Logging
import TidemarkCore

/// Turns every error into the API's JSON error shape and logs it once, so no route answers
/// with an empty body or leaks an internal description (SPEC §2.2, §7).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Known API paths, for 405 answers; nil turns them off (the dashboard's use).
    var routes: RouteIndex?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // The router says 404 for a known path with an unknown method (TRACE /backups).
            if let methods = routes?.methods(for: request.uri.path), !methods.isEmpty {
                let allowed = APIError(
                    .methodNotAllowed, code: "method-not-allowed",
                    message: "\(request.uri.path) does not accept \(request.method.rawValue)",
                    hint: "Use \(methods.joined(separator: " or ")); see /api/v1/openapi.json.",
                    headers: [.allow: methods.joined(separator: ", ")]
                )
                return try allowed.response(from: request, context: context)
            }
            return try Self.apiError(for: error, request: request, context: context).response(from: request, context: context)
        } catch {
            return try Self.apiError(for: error, request: request, context: context).response(from: request, context: context)
        }
    }

    /// The client's view of `error`, logged once: 5xx with the details under a fresh
    /// reference the answer quotes, the rest as one info line. The dashboard shares it.
    static func apiError(for error: any Error, request: Request, context: some RequestContext) -> APIError {
        let reference = Identifier.make()
        let apiError: APIError
        if let http = error as? HTTPError {
            apiError = Self.translate(http)
        } else {
            apiError = APIError(error, reference: reference)
        }
        if apiError.status.code >= 500 {
            context.logger.error("\(request.method) \(request.uri.path) failed (reference \(reference)): \(String(reflecting: error))")
        } else {
            context.logger.info("\(request.method) \(request.uri.path): \(apiError.status.code) \(apiError.code)")
        }
        return apiError
    }

    /// Hummingbird's own errors: no route, body too large, bad request.
    private static func translate(_ error: HTTPError) -> APIError {
        switch error.status {
        case .notFound:
            return APIError(.notFound, code: "route-not-found", message: "no such API route", hint: "See /api/v1/openapi.json for the routes.")
        case .methodNotAllowed:
            return APIError(.methodNotAllowed, code: "method-not-allowed", message: "this route does not accept that method", hint: "See /api/v1/openapi.json for the routes.")
        case .contentTooLarge:
            return APIError(.contentTooLarge, code: "body-too-large", message: "the request body is too large", hint: "Send a JSON document of at most 1 MiB.")
        default:
            return APIError(error.status, code: "http-\(error.status.code)", message: error.body ?? error.status.reasonPhrase)
        }
    }
}
