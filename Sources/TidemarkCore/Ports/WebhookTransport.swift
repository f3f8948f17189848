import Foundation

/// Sends one webhook request. The real one is an HTTP client; tests that inject faults wrap it.
package protocol WebhookTransport: Sendable {
    /// POSTs `body` to `url` with `headers` and returns the response status code.
    /// - Throws: when no response arrived (refused, timed out, TLS failure).
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws -> Int
}
