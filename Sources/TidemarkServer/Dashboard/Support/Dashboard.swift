import Crypto
import Foundation
import Hummingbird
import Mustache
import NIOCore
import TidemarkControl
import TidemarkCore

/// What every dashboard page handler needs: the façade, the sessions, the templates and the
/// clock. Pages are rendered into `layout.mustache`, which holds the navigation.
struct Dashboard: Sendable {
    let control: ControlPlane
    let sessions: DashboardSessions
    let resources: DashboardResources
    /// Signs storage-form values that passed a connection test; new each start.
    let proofKey = SymmetricKey(size: .bits256)

    static let sessionCookie = "tidemark_session"
    static let loginCookie = "tidemark_login"

    var now: Date { control.now() }

    /// Renders `template` with `data` inside the layout.
    func page(_ template: String, title: String, context: APIRequestContext, data: [String: Any] = [:], status: HTTPResponse.Status = .ok) -> Response {
        var data = data
        data["title"] = title
        if let session = context.session {
            data["session"] = ["name": session.tokenName, "role": session.role.rawValue, "csrf": session.csrf, "isAdmin": session.role == .admin] as [String: Any]
            data["csrf"] = session.csrf
            data["isAdmin"] = session.role == .admin
        }
        data["now"] = HumanFormat.timestamp(now)
        data = data.compactMapValues(TemplateData.clean)
        let body = resources.library.render(data, withTemplate: template) ?? "template \(template) is missing"
        data["content"] = body
        let html = resources.library.render(data, withTemplate: "layout") ?? body
        return Self.html(html, status: status)
    }

    /// An HTML response with the dashboard's security headers.
    static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        addSecurityHeaders(&headers)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A JSON response for the pages' scripts.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var response = try APIJSON.response(value, status: status)
        addSecurityHeaders(&response.headers)
        return response
    }

    /// 303 See Other: where a form post lands (post/redirect/get).
    static func redirect(_ location: String) -> Response {
        var headers: HTTPFields = [.location: location]
        addSecurityHeaders(&headers)
        return Response(status: .seeOther, headers: headers)
    }

    /// No inline script or style, no framing, no caching of pages that show data.
    static func addSecurityHeaders(_ headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "no-store"
        for (name, value) in [("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY")] {
            if let name = HTTPFields.Element.Name(name) { headers[name] = value }
        }
    }

    /// Refuses an action a viewer session may not take (SPEC §7).
    static func requireAdmin(_ context: APIRequestContext) throws {
        guard context.session?.role == .admin else {
            throw APIError(.forbidden, code: "forbidden", message: "you are signed in with a viewer token; this action needs an admin token", hint: "Sign out and sign in with a token created with '--role admin'.")
        }
    }

    /// A time as the dashboard shows it: UTC and how long ago or ahead.
    func time(_ date: Date?) -> [String: String]? {
        guard let date else { return nil }
        return ["utc": HumanFormat.timestamp(date).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC"), "iso": HumanFormat.timestamp(date), "relative": HumanFormat.relative(date, now: now)]
    }

    /// Percent-encodes a name for a URL path segment.
    static func path(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }
}
