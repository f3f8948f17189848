import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TidemarkCore

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

    /// Sends WAL file `path` (named `name`) of `namespace` to the serve listening on `socket`:
    /// first asks whether serve stored this very file ahead, and sends it only when not.
    /// - Throws: when nothing listens there or the connection breaks (PostgreSQL retries).
    package static func push(socket: String, namespace: String, name: String, path: String, timeoutSeconds: Int64 = 300) async throws -> Answer {
        // No socket: serve is not running. Fail at once, not after a connect timeout.
        guard FileManager.default.fileExists(atPath: socket) else {
            throw TidemarkError(code: "serve-not-running", message: "no WAL socket at \(socket)", category: .unavailable)
        }
        guard let identity = WALFileIdentity(path: path) else {
            throw TidemarkError(code: "wal-unreadable", message: "cannot read \(path)", category: .storage)
        }
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(5)
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let answer = try await exchange(client, socket: socket, uri: "/wal/\(namespace)/\(name)?\(identity.query)", method: .GET, body: nil, timeoutSeconds: 30)
            if answer.status == 200 {
                try await client.shutdown()
                return answer
            }
            // Read only when serve has not stored it ahead: PostgreSQL's archiver waits for
            // each push, so a read of 16 MiB nobody needs would be on its path every segment.
            guard let (contents, read) = WALFileContents.read(path: path) else {
                throw TidemarkError(code: "wal-unreadable", message: "cannot read \(path) unchanged", category: .storage)
            }
            let writtenAt = read.modifiedNanoseconds / 1_000_000
            let final = try await exchange(
                client, socket: socket, uri: "/wal/\(namespace)/\(name)?writtenAt=\(writtenAt)", method: .PUT, body: contents, timeoutSeconds: timeoutSeconds
            )
            try await client.shutdown()
            return final
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func exchange(_ client: HTTPClient, socket: String, uri: String, method: HTTPMethod, body: [UInt8]?, timeoutSeconds: Int64) async throws -> Answer {
        guard let url = URL(httpURLWithSocketPath: socket, uri: uri) else { throw URLError(.badURL) }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        if let body {
            request.headers.add(name: "content-type", value: "application/octet-stream")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
        let text = try await response.body.collect(upTo: 1 << 16)
        return Answer(status: Int(response.status.code), text: String(buffer: text).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
