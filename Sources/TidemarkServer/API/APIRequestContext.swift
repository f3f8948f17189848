package import Hummingbird
package import TidemarkCore

/// The request context of every route: Hummingbird's core storage plus the caller's token.
package struct APIRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// Set by `BearerAuthMiddleware` on `/api/v1` routes.
    package var token: TokenRecord?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Request bodies are small JSON documents; anything larger is refused before parsing.
    package var maxUploadSize: Int { 1 << 20 }
}
