import Foundation
import Hummingbird
import HummingbirdTesting
import TidemarkControl
import Testing
import TidemarkCore
import TidemarkServer

@Suite("API auth: no token, viewer and admin against every route")
struct AuthTests {
    @Test("every route but the OpenAPI document refuses a request without a token (401)")
    func noToken() async throws {
        try await APIHarness.with { api, _ in
            try await api.test { (client) async throws in
                for route in api.routes {
                    let response = try await client.call(route.method, route.uri(), body: route.body == nil ? nil : "{}")
                    if route.role == nil {
                        #expect(response.status == 200, "\(route.method) \(route.path)")
                    } else {
                        #expect(response.status == 401, "\(route.method) \(route.path): \(response.status) \(response.body)")
                        #expect(response.errorCode == "unauthorized")
                        #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    }
                }
            }
        }
    }

    @Test("viewers read; every admin route refuses them with 403; admins pass every route")
    func roles() async throws {
        try await APIHarness.with { api, _ in
            try await api.test { (client) async throws in
                for route in api.routes where route.role != nil {
                    let viewer = try await client.call(route.method, route.uri(), token: api.viewer, body: route.body == nil ? nil : "{}")
                    if route.role == .admin {
                        #expect(viewer.status == 403, "\(route.method) \(route.path): \(viewer.status) \(viewer.body)")
                        #expect(viewer.errorCode == "forbidden")
                    } else {
                        #expect(viewer.status != 401 && viewer.status != 403, "\(route.method) \(route.path): \(viewer.status) \(viewer.body)")
                    }
                    let admin = try await client.call(route.method, route.uri(), token: api.admin, body: route.body == nil ? nil : "{}")
                    #expect(admin.status != 401 && admin.status != 403, "\(route.method) \(route.path): \(admin.status) \(admin.body)")
                    #expect(admin.status < 500, "\(route.method) \(route.path): \(admin.status) \(admin.body)")
                }
            }
        }
    }

    @Test("the restore, purge, retention-change and deprovision routes need admin", arguments: [
        (HTTPRequest.Method.post, "/restores"), (.delete, "/backups/{id}"), (.put, "/policies/{name}"), (.post, "/databases/{name}/deprovision"),
    ])
    func dangerousRoutesNeedAdmin(method: HTTPRequest.Method, path: String) async throws {
        try await APIHarness.with { api, _ in
            let route = try #require(api.routes.first { $0.method == method && $0.path == path })
            #expect(route.role == .admin)
        }
    }

    @Test("an unknown, revoked or malformed token is refused with 401 invalid-token")
    func badTokens() async throws {
        try await APIHarness.with { api, _ in
            try await api.test { (client) async throws in
                let unknown = try await client.call(.get, "/api/v1/backups", token: "tmk_not-a-real-token")
                #expect(unknown.status == 401)
                #expect(unknown.errorCode == "invalid-token")

                let created = try await api.control.tokens.create(name: "temporary", role: .admin)
                #expect(try await client.call(.get, "/api/v1/backups", token: created.token.revealed).status == 200)
                try await api.control.tokens.revoke(named: "temporary")
                let revoked = try await client.call(.get, "/api/v1/backups", token: created.token.revealed)
                #expect(revoked.status == 401)

                let basic = try await client.execute(uri: "/api/v1/backups", method: .get, headers: [.authorization: "Basic YWRtaW46YWRtaW4="]) { $0.status.code }
                #expect(basic == 401)
            }
        }
    }

    @Test("/healthz is open; /metrics is open by default and needs a token when configured")
    func openEndpoints() async throws {
        try await APIHarness.with { api, _ in
            try await api.test { (client) async throws in
                #expect(try await client.call(.get, "/healthz").status == 200)
                #expect(try await client.call(.get, "/metrics").status == 200)
            }
        }
        try await APIHarness.with(configuration: ServerConfiguration(metricsRequireToken: true)) { api, _ in
            try await api.test { (client) async throws in
                #expect(try await client.call(.get, "/metrics").status == 401)
                #expect(try await client.call(.get, "/metrics", token: api.viewer).status == 200)
                #expect(try await client.call(.get, "/healthz").status == 200)
            }
        }
    }
}
