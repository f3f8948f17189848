import Foundation
import Hummingbird
import NIOCore
import TidemarkControl
import TidemarkCore

extension Dashboard {
    /// Registers every `/ui` page on `router`, behind the dashboard's own error page and session
    /// middleware; `/` leads to the dashboard.
    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/") { _, _ in Self.redirect("/ui/databases") }
        let group = router.group("/ui")
            .add(middleware: DashboardErrorMiddleware(dashboard: self))
            .add(middleware: DashboardSessionMiddleware(dashboard: self))
        group.get("/") { _, _ in Self.redirect("/ui/databases") }
        group.get("/assets/{file}") { _, context in
            let file = try context.parameters.require("file")
            guard let bytes = resources.assets[file] else { throw HTTPError(.notFound) }
            let type = file.hasSuffix(".css") ? "text/css; charset=utf-8" : file.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "image/svg+xml"
            var headers: HTTPFields = [.contentType: type]
            Self.addSecurityHeaders(&headers)
            headers[.cacheControl] = "max-age=300"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        addLoginRoutes(to: group)
        addDatabaseRoutes(to: group)
        addBackupRoutes(to: group)
        addRestoreRoutes(to: group)
        addOperationRoutes(to: group)
        addStorageRoutes(to: group)
        addPolicyRoutes(to: group)
        // Unknown dashboard paths get the dashboard's 404 page, not the API's JSON.
        group.get("**") { _, _ -> Response in throw HTTPError(.notFound) }
    }
}
