import Foundation
package import Hummingbird
import Logging
package import Prometheus
package import TidemarkControl
import TidemarkCore

/// How `tidemark serve` serves HTTP (docs/OPERATIONS.md "Settings").
package struct ServerConfiguration: Sendable {
    /// Loopback by default: exposing the API elsewhere is a deliberate choice.
    package var host: String
    package var port: Int
    /// `/metrics` needs a token (any role) when true; open when false.
    package var metricsRequireToken: Bool
    /// Reported in the OpenAPI document.
    package var version: String

    package init(host: String = "127.0.0.1", port: Int = 8080, metricsRequireToken: Bool = false, version: String = "0.5.0") {
        self.host = host
        self.port = port
        self.metricsRequireToken = metricsRequireToken
        self.version = version
    }
}

/// The router of `/api/v1`, `/healthz`, `/metrics` and the dashboard under `/ui`, shared by `buildApplication` and the
/// tests (`app.test(.router)`), so both exercise the same code path.
/// - Returns: the router and the documented routes.
package func buildRouter(
    controlPlane control: ControlPlane,
    registry: PrometheusCollectorRegistry,
    configuration: ServerConfiguration
) throws -> (router: Router<APIRequestContext>, routes: [RouteDoc]) {
    let router = Router(context: APIRequestContext.self)
    let routeIndex = RouteIndex()
    router.add(middleware: ErrorMiddleware(routes: routeIndex))
    router.add(middleware: BodyLimitMiddleware())
    router.add(middleware: BearerAuthMiddleware(control: control))

    router.get("/healthz") { _, _ in
        try APIJSON.response(["status": "ok"])
    }
    let metrics = MetricsEndpoint(registry: registry, control: control)
    router.get("/metrics") { _, context in
        if configuration.metricsRequireToken { try RouteTable.require(.viewer, context) }
        return try await metrics.response()
    }

    var table = RouteTable(group: router.group("/api/v1"))
    table.addStorageRoutes(control)
    table.addDatabaseRoutes(control)
    table.addBackupRoutes(control)
    table.addOperationRoutes(control)
    table.addMaintenanceRoutes(control)
    table.addTokenRoutes(control)
    table.addWebhookRoutes(control)
    // The document describes itself too; it is generated before its own route is added.
    let selfDoc = RouteDoc(method: .get, path: "/openapi.json", summary: "This OpenAPI document (no token needed)", role: nil, query: [], body: nil, response: nil, status: .ok, streams: false)
    let openAPI = try OpenAPIDocument.build(routes: table.docs + [selfDoc], version: configuration.version)
    table.add(selfDoc) { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: openAPI)))
    }
    routeIndex.record(table.docs)
    let dashboard = Dashboard(control: control, sessions: DashboardSessions(now: control.now), resources: try DashboardResources.load())
    dashboard.addRoutes(to: router)
    return (router, table.docs)
}

/// The HTTP application `tidemark serve --listen` runs, as a `Service` for its `ServiceGroup`.
package func buildApplication(
    controlPlane control: ControlPlane,
    registry: PrometheusCollectorRegistry,
    configuration: ServerConfiguration,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let (router, _) = try buildRouter(controlPlane: control, registry: registry, configuration: configuration)
    var logger = control.logger
    logger[metadataKey: "component"] = "http"
    return Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "tidemark"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}
