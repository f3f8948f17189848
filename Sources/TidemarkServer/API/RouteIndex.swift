import Hummingbird
import Synchronization

/// The documented API paths with their methods, so a request for a known path with another
/// method is answered 405 with an `Allow` header (HTTP semantics; schemathesis checks it)
/// instead of the router's 404.
final class RouteIndex: Sendable {
    private let routes = Mutex<[(segments: [Substring], method: String)]>([])

    /// Records the routes (their paths under `/api/v1`) once the table is built.
    func record(_ docs: [RouteDoc]) {
        routes.withLock { routes in
            routes = docs.map { (("/api/v1" + $0.path).split(separator: "/"), $0.method.rawValue) }
        }
    }

    /// The methods documented for `path`, sorted; empty when no route has that path.
    func methods(for path: String) -> [String] {
        let requested = path.split(separator: "/")
        let methods = routes.withLock { routes in
            routes.filter { route in
                route.segments.count == requested.count
                    && zip(route.segments, requested).allSatisfy { template, segment in template.hasPrefix("{") || template == segment }
            }.map(\.method)
        }
        return Set(methods).sorted()
    }
}
