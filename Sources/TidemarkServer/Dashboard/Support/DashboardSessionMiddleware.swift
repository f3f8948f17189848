import Foundation
import Hummingbird
import Logging
import TidemarkControl
import TidemarkCore

/// Signs dashboard requests in from the session cookie and checks the CSRF token of every
/// POST (SPEC §7). The login page and static files are open; anything else without a live
/// session is sent to the login page.
struct DashboardSessionMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let dashboard: Dashboard

    /// Forms are small; this bounds what an unauthenticated POST can make the server read.
    static let maxFormBytes = 64 * 1024
    /// Where the pages' scripts put the CSRF token of JSON requests.
    static let csrfHeader = HTTPFields.Element.Name("X-CSRF-Token")

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        var request = request
        var context = context
        let path = request.uri.path
        if request.method == .post {
            context.form = try await Self.readForm(&request)
        }
        if path.hasPrefix("/ui/assets/") || path == "/ui/login" {
            return try await next(request, context)
        }
        guard let session = await currentSession(request) else {
            if request.method == .get {
                let target = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
                return Dashboard.redirect("/ui/login?next=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            }
            throw APIError(.unauthorized, code: "signed-out", message: "you are not signed in (the session ended or the token was revoked)", hint: "Sign in again at /ui/login.")
        }
        context.session = session
        context.logger[metadataKey: "token"] = "\(session.tokenName)"
        if request.method != .get && request.method != .head {
            let sent = context.form["csrf"] ?? Self.csrfHeader.flatMap { request.headers[$0] }
            guard let sent, Self.constantTimeEquals(sent, session.csrf) else {
                throw APIError(.forbidden, code: "csrf-mismatch", message: "this form is out of date or did not come from this dashboard", hint: "Reload the page and submit it again.")
            }
        }
        return try await next(request, context)
    }

    /// The live session named by the cookie whose token is still valid.
    private func currentSession(_ request: Request) async -> DashboardSession? {
        guard let id = request.cookies[Dashboard.sessionCookie]?.value,
              let session = await dashboard.sessions.session(id: id) else { return nil }
        guard let token = try? await dashboard.control.tokens.record(hash: session.tokenHash), token.role == session.role else {
            await dashboard.sessions.close(id: id)
            return nil
        }
        return session
    }

    private static func readForm(_ request: inout Request) async throws -> FormFields {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else { return FormFields() }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxFormBytes)
        } catch {
            throw APIError.badRequest("body-too-large", "the form is larger than \(maxFormBytes / 1024) KiB")
        }
        return FormFields(encoded: String(buffer: buffer))
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Shows dashboard errors as a page (or JSON to the pages' scripts) with the message and hint
/// a person can act on, never an internal description.
struct DashboardErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let dashboard: Dashboard

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var apiError = ErrorMiddleware<APIRequestContext>.apiError(for: error, request: request, context: context)
            if apiError.code == "route-not-found" {
                apiError = APIError(.notFound, code: "page-not-found", message: "there is no such page")
            }
            if request.headers[.accept]?.contains("application/json") == true {
                var response = try apiError.response(from: request, context: context)
                Dashboard.addSecurityHeaders(&response.headers)
                return response
            }
            let data: [String: Any] = ["status": Int(apiError.status.code), "code": apiError.code, "message": apiError.message, "hint": apiError.hint ?? ""]
            return dashboard.page("error", title: "Error", context: context, data: data, status: apiError.status)
        }
    }
}
