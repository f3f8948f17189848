import AsyncHTTPClient
import NIOCore
import NIOSSL

/// The HTTP connection pool every S3 store of a process shares.
///
/// One per process (the CLI makes it in `GlobalOptions.run` and shuts it down when the command
/// ends); stores borrow it, so opening a storage costs no new connections.
package final class S3HTTPClient: Sendable {
    let client: HTTPClient

    /// - Parameters:
    ///   - connectTimeoutSeconds: how long a TCP connect (and TLS handshake) may take.
    ///   - readTimeoutSeconds: how long a response may stall between bytes before the request
    ///     fails as a timeout (and is retried by `RetryingObjectStore`).
    ///   - dnsOverride: host name to address, like curl's `--resolve`; tests use it to reach a
    ///     virtual-hosted bucket name on loopback.
    ///   - trustRootsFile: a PEM bundle to trust instead of the system's roots.
    package init(connectTimeoutSeconds: Int64 = 10, readTimeoutSeconds: Int64 = 60, dnsOverride: [String: String] = [:], trustRootsFile: String? = nil) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trustRootsFile {
            tls.trustRoots = .file(trustRootsFile)
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(connectTimeoutSeconds), read: .seconds(readTimeoutSeconds)),
            decompression: .disabled
        )
        configuration.httpVersion = .http1Only
        configuration.dnsOverride = dnsOverride
        // A refused connection fails the request at once; RetryingObjectStore decides about
        // retries (with its budget). With the pool's own retries, each request to a dead port
        // waited the whole connect timeout (10 s) for connections refused in a millisecond.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes every connection. Call once, when no store uses the client any more.
    package func shutdown() async throws {
        try await client.shutdown()
    }
}

/// Runs `body` with a fresh client and shuts the client down afterwards, whatever happens.
package func withS3HTTPClient<T>(
    _ client: S3HTTPClient = S3HTTPClient(),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (S3HTTPClient) async throws -> T
) async throws -> T {
    let result: Result<T, any Error>
    do {
        result = .success(try await body(client))
    } catch {
        result = .failure(error)
    }
    try? await client.shutdown()
    return try result.get()
}
