import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TidemarkCore

/// Sends webhook requests over the process's shared HTTP client (no redirects followed).
///
/// Errors name only the receiver's host: a webhook URL's path often carries a token (chat
/// services put one there), so the whole URL never reaches a log line or an error.
package struct HTTPWebhookTransport: WebhookTransport {
    let http: S3HTTPClient

    package init(http: S3HTTPClient) {
        self.http = http
    }

    package func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws -> Int {
        let host = URLComponents(string: url)?.host ?? "the receiver"
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            // Read (and drop) a bounded body so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return Int(response.status.code)
        } catch {
            throw Self.failure(error, host: host, timeout: timeout)
        }
    }

    static func failure(_ error: any Error, host: String, timeout: Duration) -> TidemarkError {
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return TidemarkError(code: "webhook-timeout", message: "\(host) did not answer within \(timeout.components.seconds) s", hint: "Receivers should answer at once and do slow work later.", category: .unavailable)
        }
        switch HTTPTransportFailure(error) {
        case .tls:
            return TidemarkError(code: "webhook-tls-error", message: "the TLS handshake with \(host) failed", hint: "Check that the receiver's certificate is trusted by this machine.", category: .unavailable)
        case .unreachable:
            return TidemarkError(code: "webhook-unreachable", message: "cannot connect to \(host)", hint: "Check the URL and that the receiver is running and reachable from this machine.", category: .unavailable)
        case .other:
            return TidemarkError(code: "webhook-unreachable", message: "the request to \(host) failed", hint: "Check the URL and that the receiver is running.", category: .unavailable)
        }
    }
}
