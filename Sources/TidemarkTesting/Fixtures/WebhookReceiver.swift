import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A real HTTP server on loopback that records webhook requests and answers with scripted
/// statuses (`POST /hook`), or never answers in time (`POST /hang`).
package final class WebhookReceiver: Sendable {
    package struct Received: Sendable {
        package var headers: [String: String]
        package var body: String
        /// The value of header `name`, whatever its case.
        package func header(_ name: String) -> String? { headers[name.lowercased()] }
        package var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:] }
    }

    private let state = Mutex<(received: [Received], statuses: [Int])>(([], []))
    package let port: Int

    private init(port: Int) {
        self.port = port
    }

    package var url: String { "http://127.0.0.1:\(port)/hook" }
    package var hangingURL: String { "http://127.0.0.1:\(port)/hang" }
    package var received: [Received] { state.withLock { $0.received } }

    /// The next answers, in order; once used up, 200.
    package func answer(_ statuses: Int...) {
        state.withLock { $0.statuses += statuses }
    }

    fileprivate func record(_ request: Received) -> Int {
        state.withLock {
            $0.received.append(request)
            return $0.statuses.isEmpty ? 200 : $0.statuses.removeFirst()
        }
    }

    /// Runs `body` with a receiver listening on a free loopback port; stops it afterwards.
    package static func with<T: Sendable>(_ body: @Sendable (WebhookReceiver) async throws -> T) async throws -> T {
        let holder = Mutex<WebhookReceiver?>(nil)
        let router = Router()
        router.post("/hook") { request, context -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let status = holder.withLock { $0 }?.record(Received(headers: headers, body: String(buffer: bytes))) ?? 500
            return Response(status: .init(code: status))
        }
        router.post("/hang") { _, _ -> Response in
            // Longer than any delivery timeout a test uses; the server's shutdown cancels it.
            try await Task.sleep(for: .seconds(60))
            return Response(status: .ok)
        }
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .error
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await application.runService(gracefulShutdownSignals: [])
                return nil
            }
            var ports = portStream.makeAsyncIterator()
            guard let port = await ports.next(), port > 0 else { throw CancellationError() }
            let receiver = WebhookReceiver(port: port)
            holder.withLock { $0 = receiver }
            let result = try await body(receiver)
            group.cancelAll()
            return result
        }
    }
}
