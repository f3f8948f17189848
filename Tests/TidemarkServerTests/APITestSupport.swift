import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
@testable import TidemarkCLI
import TidemarkControl
import TidemarkCore
import TidemarkEnvironment
import TidemarkServer
import TidemarkStorage
import TidemarkTesting

/// An API under test: the real composition root (`Environment.live`) on a temporary home,
/// the router `serve` runs, and one token of each role.
struct APIHarness: Sendable {
    let home: String
    let control: ControlPlane
    let registry: PrometheusCollectorRegistry
    let configuration: ServerConfiguration
    let routes: [RouteDoc]
    let admin: String
    let viewer: String

    static let passphrase = "api test passphrase"

    /// Runs `body` with a fresh harness; `environment` adds variables for `Environment.live`.
    static func with<T>(
        environment extra: [String: String] = [:],
        configuration: ServerConfiguration = ServerConfiguration(),
        logger: Logger? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: (APIHarness, S3HTTPClient) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory { directory in
            try await withS3HTTPClient { http in
                var environment = ProcessInfo.processInfo.environment
                environment["TIDEMARK_PASSPHRASE"] = passphrase
                for (key, value) in extra { environment[key] = value }
                let registry = PrometheusCollectorRegistry()
                let control = try Environment.live(
                    home: "\(directory)/home", http: http, environment: environment, workerID: "api-test",
                    passphrase: Secret(passphrase), metrics: ControlMetrics(factory: Environment.metricsFactory(registry: registry)),
                    logger: logger, now: now
                )
                let routes = try buildRouter(controlPlane: control, registry: registry, configuration: configuration).routes
                let admin = try await control.tokens.create(name: "admin", role: .admin).token.revealed
                let viewer = try await control.tokens.create(name: "viewer", role: .viewer).token.revealed
                let harness = APIHarness(home: "\(directory)/home", control: control, registry: registry, configuration: configuration, routes: routes, admin: admin, viewer: viewer)
                return try await body(harness, http)
            }
        }
    }

    /// Runs `body` with a client that calls the router directly (no sockets).
    func test<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        // Routers are not Sendable: each test client gets its own, built the way `serve` builds it.
        let router = try buildRouter(controlPlane: control, registry: registry, configuration: configuration).router
        return try await Application(router: router).test(.router, body)
    }
}

/// A response as the tests look at it.
struct APIResponse: Sendable {
    var status: Int
    var body: String
    var headers: HTTPFields

    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(body.utf8)) }
    var object: [String: Any] { ((try? json()) as? [String: Any]) ?? [:] }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
}

extension TestClientProtocol {
    /// Sends a request with an optional bearer token and body.
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: String? = nil) async throws -> APIResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            APIResponse(status: Int(response.status.code), body: String(buffer: response.body), headers: response.headers)
        }
    }
}

extension RouteDoc {
    /// The route with every path parameter filled in.
    func uri(filling value: String = "missing") -> String {
        "/api/v1" + path.split(separator: "/").map { $0.hasPrefix("{") ? value : String($0) }.map { "/" + $0 }.joined()
    }
}
