import Foundation
import Hummingbird
import HummingbirdTesting
import TidemarkControl
import Testing
import TidemarkServer

@Suite("API input: malformed JSON, wrong types, unknown fields, huge bodies, bad queries")
struct RequestValidationTests {
    @Test("bad bodies get 400 with a code and a message naming the problem", arguments: [
        ("{\"name\": \"x\"", "invalid-json", "not valid JSON"),
        ("[1, 2]", "invalid-json", "must be a JSON object"),
        ("", "invalid-json", "no JSON body"),
        ("{\"name\": \"x\", \"role\": 5}", "invalid-field", "field 'role' must be a string"),
        ("{\"name\": \"x\"}", "invalid-field", "field 'role' is required"),
        ("{\"name\": null, \"role\": \"admin\"}", "invalid-field", "field 'name' must be a string, not null"),
        ("{\"name\": \"x\", \"role\": \"admin\", \"rol\": \"viewer\"}", "unknown-field", "unknown field 'rol'"),
        ("{\"name\": \"x\", \"role\": \"owner\"}", "invalid-field", "field 'role' must be admin or viewer"),
    ])
    func badBodies(body: String, code: String, message: String) async throws {
        try await APIHarness.with { api, _ in
            let response = try await api.test { client in try await client.call(.post, "/api/v1/tokens", token: api.admin, body: body) }
            #expect(response.status == 400, "\(response.body)")
            #expect(response.errorCode == code)
            let text = (response.object["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(text.contains(message), "\(text)")
        }
    }

    @Test("nested unknown fields are refused too")
    func nestedUnknownField() async throws {
        try await APIHarness.with { api, _ in
            let response = try await api.test { (client) async throws in
                try await client.call(.post, "/api/v1/storages", token: api.admin, body: #"{"name":"s","local":{"path":"/tmp/x","pth":"y"}}"#)
            }
            #expect(response.status == 400)
            #expect(response.errorCode == "unknown-field")
            #expect(response.body.contains("local.pth"))
        }
    }

    @Test("a 2 MiB body is refused with 413 body-too-large, also on a route without a body, and the server keeps answering")
    func hugeBody() async throws {
        try await APIHarness.with { api, _ in
            try await APITestData.insertBackups(api.control, count: 1)
            try await api.test { (client) async throws in
                let huge = "{\"name\": \"" + String(repeating: "a", count: 2 << 20) + "\", \"role\": \"admin\"}"
                let response = try await client.call(.post, "/api/v1/tokens", token: api.admin, body: huge)
                #expect(response.status == 413)
                #expect(response.errorCode == "body-too-large")
                let bodyless = try await client.call(.post, "/api/v1/storages/local1/test", token: api.admin, body: String(repeating: "x", count: 10 << 20))
                #expect(bodyless.status == 413, "\(bodyless.body)")
                #expect(try await client.call(.get, "/healthz").status == 200)
            }
        }
    }

    @Test("issue 14: null fields, methods a path lacks, relative local paths; every error has a hint")
    func outsideClientContract() async throws {
        try await APIHarness.with { api, _ in
            try await APITestData.insertBackups(api.control, count: 1)
            try await api.test { (client) async throws in
                let null = try await client.call(.post, "/api/v1/backups/b00000/verify", token: api.admin, body: #"{"readData": null}"#)
                #expect(null.status == 400 && null.errorCode == "invalid-field", "\(null.body)")
                for method in [HTTPRequest.Method.trace, .patch] {
                    let response = try await client.call(method, "/api/v1/backups", token: api.admin)
                    #expect(response.status == 405, "\(method): \(response.body)")
                    #expect(response.headers[.allow] == "GET, POST")
                }
                let relative = try await client.call(.post, "/api/v1/storages", token: api.admin, body: #"{"name":"rel","local":{"path":"backups"}}"#)
                #expect(relative.status == 422 && relative.errorCode == "invalid-storage-settings", "\(relative.body)")
                let empty = try await client.call(.get, "/api/v1/backups?database=", token: api.viewer)
                #expect(empty.status == 400)
                for response in [null, relative, empty, try await client.call(.get, "/api/v1/nope", token: api.viewer), try await client.call(.get, "/api/v1/backups")] {
                    let hint = (response.object["error"] as? [String: Any])?["hint"] as? String
                    #expect(hint?.isEmpty == false, "no hint in \(response.body)")
                }
                // The document declares what the server answers, and the limits it enforces.
                let document = try await client.call(.get, "/api/v1/openapi.json").object
                let list = try #require(((document["paths"] as? [String: Any])?["/backups"] as? [String: Any])?["get"] as? [String: Any])
                let responses = try #require(list["responses"] as? [String: Any])
                for code in ["405", "413", "502", "503"] { #expect(responses[code] != nil, "\(code) not declared") }
                let limit = try #require((list["parameters"] as? [[String: Any]])?.first { $0["name"] as? String == "limit" }?["schema"] as? [String: Any])
                #expect(limit["minimum"] as? Int == 1 && limit["maximum"] as? Int == 500)
            }
        }
    }

    @Test("values the control plane refuses get 422 (invalid cron), conflicts 409, unknown ids 404")
    func controlErrors() async throws {
        try await APIHarness.with { api, _ in
            try await APITestData.insertBackups(api.control, count: 1)
            try await api.test { (client) async throws in
                let cron = try await client.call(.put, "/api/v1/plans/db1", token: api.admin, body: #"{"schedule":"61 * * * * *"}"#)
                #expect(cron.status == 422, "\(cron.body)")
                #expect(cron.errorCode == "invalid-cron")
                #expect(cron.body.contains("61 is out of range"))

                let conflict = try await client.call(.post, "/api/v1/tokens", token: api.admin, body: #"{"name":"admin","role":"viewer"}"#)
                #expect(conflict.status == 409)
                #expect(conflict.errorCode == "name-conflict")

                let missing = try await client.call(.get, "/api/v1/backups/nope", token: api.viewer)
                #expect(missing.status == 404)
                #expect(missing.errorCode == "backup-not-found")

                let restore = try await client.call(.post, "/api/v1/restores", token: api.admin, body: #"{"backupId":"b00000","newName":"bad name!"}"#)
                #expect(restore.status == 422)
                #expect(restore.errorCode == "invalid-name")
            }
        }
    }

    @Test("bad query parameters get 400", arguments: [
        "/api/v1/backups?limit=0", "/api/v1/backups?limit=abc", "/api/v1/backups?status=done",
        "/api/v1/backups?deprovisioned=maybe", "/api/v1/backups?cursor=%%%", "/api/v1/operations?limit=100000",
    ])
    func badQueries(uri: String) async throws {
        try await APIHarness.with { api, _ in
            let response = try await api.test { client in try await client.call(.get, uri, token: api.viewer) }
            #expect(response.status == 400, "\(uri): \(response.body)")
        }
    }
}
