import AsyncHTTPClient
package import Foundation
import NIOCore
import NIOHTTP1

/// The client side of serve's WAL socket (`tidemark wal-push`): one HTTP request over a Unix
/// socket, no credentials (the socket's file mode decides who may connect).
package enum WALSocketClient {
    /// What serve answered.
    package struct Answer: Sendable {
        package var status: Int
        package var text: String
        /// 200 (already stored) or 201 (stored).
        package var isStored: Bool { status == 200 || status == 201 }
    }

    /// Sends WAL file `name` of `namespace` to the serve listening on `socket`.
    /// - Throws: when nothing listens there or the connection breaks (PostgreSQL retries).
    package static func push(socket: String, namespace: String, name: String, contents: [UInt8], writtenAt: Date, timeoutSeconds: Int64 = 300) async throws -> Answer {
        guard let base = URL(httpURLWithSocketPath: socket, uri: "/wal/\(namespace)/\(name)?writtenAt=\(Int64(writtenAt.timeIntervalSince1970 * 1000))") else {
            throw URLError(.badURL)
        }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            var request = HTTPClientRequest(url: base.absoluteString)
            request.method = .PUT
            request.headers.add(name: "content-type", value: "application/octet-stream")
            request.body = .bytes(ByteBuffer(bytes: contents))
            let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
            let body = try await response.body.collect(upTo: 1 << 16)
            let answer = Answer(status: Int(response.status.code), text: String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines))
            try await client.shutdown()
            return answer
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
