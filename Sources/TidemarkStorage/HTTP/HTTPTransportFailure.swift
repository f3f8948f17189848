import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#endif

/// What went wrong with an HTTP request that got no whole response, for the S3 client and the
/// webhook transport alike: both turn it into their own error with their own wording.
enum HTTPTransportFailure {
    /// The TLS handshake failed or timed out (untrusted certificate, plain HTTP on a TLS port).
    case tls
    /// Nothing accepted the connection: refused, no route, connect timeout.
    case unreachable
    /// Anything else: a timeout or a dropped connection after connecting.
    case other

    init(_ error: any Error) {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError || (error as? HTTPClientError) == .tlsHandshakeTimeout {
            self = .tls
        } else if error is NIOConnectionError || (error as? HTTPClientError) == .connectTimeout || Self.isConnectFailure(error) {
            self = .unreachable
        } else {
            self = .other
        }
    }

    private static func isConnectFailure(_ error: any Error) -> Bool {
        if let error = error as? IOError {
            return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode)
        }
        if case ChannelError.connectTimeout = error { return true }
        return false
    }
}
