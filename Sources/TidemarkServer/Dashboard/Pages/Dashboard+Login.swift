import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

extension Dashboard {
    /// `/ui/login` and `/ui/logout`. The login form is protected by a double-submit cookie, so
    /// another site cannot sign a browser in with the attacker's token.
    func addLoginRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("/login") { request, context in
            let nonce = DashboardSessions.randomToken()
            var response = page("login", title: "Sign in", context: context, data: ["loginNonce": nonce, "next": Self.safeNext(request.uri.queryParameters["next"].map(String.init))])
            response.setCookie(Self.cookie(Self.loginCookie, nonce, maxAge: 3600))
            return response
        }
        group.post("/login") { request, context in
            let form = context.form
            guard let nonce = request.cookies[Self.loginCookie]?.value, let sent = form["loginNonce"],
                  DashboardSessionMiddleware.constantTimeEquals(nonce, sent) else {
                throw APIError(.forbidden, code: "csrf-mismatch", message: "the sign-in form is out of date", hint: "Reload the sign-in page and try again (cookies must be enabled).")
            }
            guard let token = form["token"], let record = try await control.tokens.authenticate(bearer: token) else {
                let fresh = DashboardSessions.randomToken()
                var response = page("login", title: "Sign in", context: context, data: [
                    "loginNonce": fresh, "next": Self.safeNext(form["next"]),
                    "error": "That token is not valid: it is unknown or was revoked. Create one with 'tidemark token create NAME --role admin'.",
                ], status: .unauthorized)
                response.setCookie(Self.cookie(Self.loginCookie, fresh, maxAge: 3600))
                return response
            }
            let session = await sessions.open(for: record)
            var response = Self.redirect(Self.safeNext(form["next"]))
            response.setCookie(Self.cookie(Self.sessionCookie, session.id, maxAge: nil))
            response.setCookie(Self.cookie(Self.loginCookie, "", maxAge: 0))
            return response
        }
        group.post("/logout") { request, context in
            if let id = context.session?.id { await sessions.close(id: id) }
            var response = Self.redirect("/ui/login")
            response.setCookie(Self.cookie(Self.sessionCookie, "", maxAge: 0))
            return response
        }
    }

    /// HttpOnly, SameSite=Strict, scoped to `/ui`. Not `Secure`: `serve` speaks plain HTTP on
    /// loopback; behind a TLS proxy the proxy can add it.
    static func cookie(_ name: String, _ value: String, maxAge: Int?) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/ui", secure: false, httpOnly: true, sameSite: .strict)
    }

    /// Only a path inside the dashboard: never an open redirect to another site.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/ui/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/ui/databases" }
        return next
    }
}
