import Foundation
import Hummingbird
import HummingbirdTesting
import TidemarkControl
import Testing
import TidemarkCore
import TidemarkServer

@Suite("OpenAPI document: every route in it, every documented route answers")
struct OpenAPITests {
    /// The resources SPEC §2.2 and issue 5 require, written out independently of the router.
    static let required: [(String, String)] = [
        ("get", "/storages"), ("post", "/storages"), ("get", "/storages/{name}"), ("delete", "/storages/{name}"), ("post", "/storages/{name}/test"),
        ("get", "/databases"), ("post", "/databases"), ("get", "/databases/{name}"), ("post", "/databases/{name}/deprovision"),
        ("get", "/plans"), ("get", "/plans/{database}"), ("put", "/plans/{database}"), ("post", "/plans/{database}/pause"), ("post", "/plans/{database}/resume"),
        ("get", "/policies"), ("get", "/policies/{name}"), ("put", "/policies/{name}"),
        ("get", "/backups"), ("post", "/backups"), ("get", "/backups/{id}"), ("delete", "/backups/{id}"), ("post", "/backups/{id}/verify"), ("post", "/backups/{id}/test"), ("post", "/backups/{id}/copy"),
        ("post", "/restores"), ("get", "/restores/{id}"),
        ("get", "/operations"), ("get", "/operations/{id}"), ("get", "/operations/{id}/logs"), ("post", "/operations/{id}/retry"), ("post", "/operations/{id}/cancel"),
        ("get", "/tokens"), ("post", "/tokens"), ("delete", "/tokens/{name}"),
        ("get", "/webhooks"), ("post", "/webhooks"), ("get", "/webhooks/{name}"), ("delete", "/webhooks/{name}"), ("post", "/webhooks/{name}/test"),
        ("get", "/webhooks/{name}/deliveries"),
        ("get", "/openapi.json"),
    ]

    @Test("the document lists every required route and every registered route, with schemas that resolve")
    func documentCoversRoutes() async throws {
        try await APIHarness.with { api, _ in
            let document = try await api.test { client in try await client.call(.get, "/api/v1/openapi.json") }
            #expect(document.status == 200)
            let json = document.object
            #expect(json["openapi"] as? String == "3.1.0")
            let paths = try #require(json["paths"] as? [String: [String: Any]])
            for (method, path) in Self.required {
                #expect(paths[path]?[method] != nil, "\(method) \(path) missing from openapi.json")
            }
            for route in api.routes {
                #expect(paths[route.path]?[route.method.rawValue.lowercased()] != nil, "\(route.method) \(route.path) registered but not documented")
            }
            let schemas = try #require((json["components"] as? [String: Any])?["schemas"] as? [String: Any])
            for reference in Self.references(in: json) {
                #expect(schemas[String(reference.dropFirst("#/components/schemas/".count))] != nil, "\(reference) does not resolve")
            }
        }
    }

    @Test("every documented route answers: never route-not-found or method-not-allowed")
    func documentedRoutesAnswer() async throws {
        try await APIHarness.with { api, _ in
            try await api.test { (client) async throws in
                let document = try await client.call(.get, "/api/v1/openapi.json").object
                let paths = try #require(document["paths"] as? [String: [String: Any]])
                for (path, methods) in paths {
                    for method in methods.keys {
                        let uri = "/api/v1" + path.replacingOccurrences(of: #"\{[a-z]+\}"#, with: "missing", options: .regularExpression)
                        let response = try await client.call(HTTPRequest.Method(method.uppercased())!, uri, token: api.admin, body: method == "get" || method == "delete" ? nil : "{}")
                        #expect(response.errorCode != "route-not-found" && response.errorCode != "method-not-allowed", "\(method) \(path): \(response.body)")
                        #expect(response.status < 500, "\(method) \(path): \(response.body)")
                    }
                }
            }
        }
    }

    @Test("list responses carry exactly the keys their schema documents")
    func responsesMatchSchemas() async throws {
        try await APIHarness.with { api, _ in
            try await APITestData.insertBackups(api.control, count: 3)
            _ = try await api.control.backups.enqueue(database: "db1")
            try await api.test { (client) async throws in
                let schemas = try #require((try await client.call(.get, "/api/v1/openapi.json").object["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
                let cases: [(String, String)] = [
                    ("/api/v1/backups", "Backup"), ("/api/v1/operations", "Operation"),
                ]
                for (uri, schemaName) in cases {
                    let page = try await client.call(.get, uri, token: api.viewer).object
                    let items = try #require(page["items"] as? [[String: Any]])
                    #expect(!items.isEmpty)
                    let schema = try #require(schemas[schemaName])
                    let documented = Set((schema["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
                    let required = Set(schema["required"] as? [String] ?? [])
                    for item in items {
                        #expect(Set(item.keys).isSubset(of: documented), "\(schemaName): undocumented \(Set(item.keys).subtracting(documented))")
                        #expect(required.isSubset(of: Set(item.keys)), "\(schemaName): missing \(required.subtracting(item.keys))")
                    }
                }
                let storages = try #require(try await client.call(.get, "/api/v1/storages", token: api.viewer).json() as? [[String: Any]])
                let storageKeys = Set(((schemas["Storage"]?["properties"]) as? [String: Any])?.keys.map { $0 } ?? [])
                for storage in storages { #expect(Set(storage.keys).isSubset(of: storageKeys)) }
            }
        }
    }

    private static func references(in value: Any) -> [String] {
        if let object = value as? [String: Any] {
            return object.flatMap { key, value in key == "$ref" ? [value as? String ?? ""] : references(in: value) }
        }
        if let array = value as? [Any] { return array.flatMap(references(in:)) }
        return []
    }
}
