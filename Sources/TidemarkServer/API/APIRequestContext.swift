package import Hummingbird
package import TidemarkCore

/// The request context of every route: Hummingbird's core storage plus the caller's token.
package struct APIRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// Set by `BearerAuthMiddleware` on `/api/v1` routes.
    package var token: TokenRecord?
    /// Set by `DashboardSessionMiddleware` on `/ui` pages of a signed-in user.
    package var session: DashboardSession?
    /// The parsed form of a dashboard POST (read once, when its CSRF token is checked).
    package var form = FormFields()

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Request bodies are small JSON documents; anything larger is refused before parsing.
    package var maxUploadSize: Int { 1 << 20 }
}
