import Hummingbird

/// Refuses request bodies larger than the context's limit with 413 `body-too-large` — also on
/// routes that take no body (a 10 MiB POST to `/storages/{name}/test` is refused, not ignored).
///
/// The body is read to its end (up to `drainLimit`) before the answer goes out: a client that
/// sends its whole body before reading the response (most do) would otherwise block on a full
/// socket while the server waits for it to read, and both hang.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    /// Beyond this much, the server answers without reading further (and the connection closes).
    static let drainLimit = 64 << 20

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        guard let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize else {
            return try await next(request, context)
        }
        if length <= Self.drainLimit { try await Self.drain(request) }
        throw Self.tooLarge(limit: context.maxUploadSize)
    }

    /// Reads and discards what is left of `request`'s body.
    static func drain(_ request: Request) async throws {
        var read = 0
        for try await buffer in request.body {
            read += buffer.readableBytes
            if read > drainLimit { return }
        }
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "body-too-large", message: "the request body is larger than \(limit / 1024) KiB", hint: "Send a JSON document of at most \(limit / 1024) KiB.")
    }
}
