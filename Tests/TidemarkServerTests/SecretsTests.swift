import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TidemarkControl
import TidemarkCore
import TidemarkEngines
import TidemarkServer
import TidemarkTesting
import Testing

/// Collects every log line (message and metadata) in memory.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var logger: Logger {
        Logger(label: "tidemark") { _ in CapturingHandler(log: self) }
    }

    struct CapturingHandler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.append("\(event.level) \(metadata.merging(event.metadata ?? [:]) { $1 }) \(event.message) \(event.error.map { String(reflecting: $0) } ?? "")")
        }
    }
}

@Suite("Secrets never leave in plain text: API responses, logs, metrics, errors, the catalog file")
struct SecretsTests {
    @Test("storage keys, database passwords and API tokens are absent from every output")
    func secretsGrep() async throws {
        try await withMotoServer(authentication: true) { moto in
            try await withTemporaryPostgres { postgres in
                let captured = CapturedLog()
                try await APIHarness.with(environment: ["TIDEMARK_LOG_LEVEL": "trace"], logger: captured.logger) { api, _ in
                    let s3Secret = moto.secret().revealed
                    let dbPassword = postgres.password.revealed
                    let wrongPassword = "Wr0ng-pa55word-\(Identifier.make())"
                    let webhookSecret = "hook-secret-\(Identifier.make())"
                    let url = "postgres://\(postgres.superuser):\(dbPassword)@127.0.0.1:\(postgres.port)/postgres"
                    _ = try await postgres.execute("CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100);")
                    let (outputs, created) = try await api.test { (client) async throws -> ([String], [String]) in
                        var outputs: [String] = []
                        var created: [String] = []
                        let settings = moto.settings(prefix: "secrets")
                        let storage = try await client.call(.post, "/api/v1/storages", token: api.admin, body: """
                            {"name":"s3","s3":{"endpoint":"\(settings.endpoint)","bucket":"\(settings.bucket)","prefix":"secrets","pathStyle":true,"accessKeyId":"\(settings.accessKeyID)","secretAccessKey":"\(s3Secret)"}}
                            """)
                        #expect(storage.status == 201, "\(storage.body)")
                        let database = try await client.call(.post, "/api/v1/databases", token: api.admin, body: #"{"name":"shop","url":"\#(url)"}"#)
                        #expect(database.status == 201, "\(database.body)")
                        let refused = try await client.call(.post, "/api/v1/databases", token: api.admin, body: """
                            {"name":"other","url":"postgres://\(postgres.superuser):\(wrongPassword)@127.0.0.1:\(postgres.port)/postgres"}
                            """)
                        #expect(refused.status == 422, "\(refused.body)")
                        outputs += [storage.body, database.body, refused.body]

                        let queued = try await client.call(.post, "/api/v1/backups", token: api.admin, body: #"{"database":"shop"}"#)
                        #expect(queued.status == 202)
                        let operationID = try #require(queued.object["id"] as? String)
                        let finished = try await api.control.operations.runQueued(id: operationID)
                        #expect(finished.status == .completed)

                        let hook = try await client.call(.post, "/api/v1/webhooks", token: api.admin, body: """
                            {"name":"hook","url":"http://127.0.0.1:9/hook","secret":"\(webhookSecret)"}
                            """)
                        #expect(hook.status == 201, "\(hook.body)")
                        outputs.append(hook.body)
                        let token = try await client.call(.post, "/api/v1/tokens", token: api.admin, body: #"{"name":"ci","role":"viewer"}"#)
                        created.append(try #require(token.object["token"] as? String))

                        let backupID = try #require(finished.backupID)
                        for uri in [
                            "/api/v1/storages", "/api/v1/storages/s3", "/api/v1/databases", "/api/v1/databases/shop", "/api/v1/plans",
                            "/api/v1/backups", "/api/v1/backups/\(backupID)", "/api/v1/operations", "/api/v1/operations/\(operationID)",
                            "/api/v1/operations/\(operationID)/logs", "/api/v1/tokens", "/api/v1/webhooks", "/metrics",
                        ] {
                            let response = try await client.call(.get, uri, token: api.admin)
                            #expect(response.status == 200, "\(uri): \(response.body)")
                            outputs.append(response.body)
                        }
                        // The dashboard's pages show the same objects: none may hold a secret either.
                        let browser = try await client.signIn(api.admin)
                        for uri in [
                            "/ui/databases", "/ui/databases/shop", "/ui/databases/shop/incomplete", "/ui/databases/shop/plan",
                            "/ui/backups/\(backupID)", "/ui/backups/\(backupID)/restore", "/ui/operations", "/ui/operations/\(operationID)",
                            "/ui/operations/\(operationID)/state", "/ui/storages", "/ui/storages/s3/edit", "/ui/policies", "/ui/policies/default",
                        ] {
                            let response = try await client.page(.get, uri, cookie: browser.cookie)
                            #expect(response.status == 200, "\(uri): \(response.status)")
                            outputs.append(response.body)
                        }
                        return (outputs, created)
                    }
                    let catalogFiles = try FileManager.default.contentsOfDirectory(atPath: api.home).filter { $0.hasPrefix("catalog.sqlite") }
                    #expect(!catalogFiles.isEmpty)
                    let catalogBytes = try catalogFiles.map { try Data(contentsOf: URL(fileURLWithPath: "\(api.home)/\($0)")) }
                    let secrets = [("S3 secret access key", s3Secret), ("database password", dbPassword), ("wrong database password", wrongPassword), ("webhook secret", webhookSecret)]
                        + ([api.admin, api.viewer] + created).map { ("API token", $0) }
                    for (what, secret) in secrets {
                        for output in outputs { #expect(!output.contains(secret), "\(what) in an API response") }
                        #expect(!captured.text.contains(secret), "\(what) in the log")
                        for bytes in catalogBytes { #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(what) in the catalog file") }
                    }
                    #expect(captured.text.contains("backup shop"), "the log capture saw the backup")
                }
            }
        }
    }
}
