import Crypto
import Foundation
import Hummingbird
import Testing
@testable import TidemarkControl
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// Webhooks against a real HTTP receiver on loopback (SPEC §4.11).
@Suite("Webhooks: signed JSON posts, queued apart from the work, retried with backoff")
struct WebhookTests {
    @Test("a test event reaches a real receiver with a signature the receiver can check; the secret is never shown")
    func signedTestEvent() async throws {
        try await WebhookReceiver.with { receiver in
            try await APIHarness.with { api, _ in
                let secret = "whsec-\(Identifier.make())-\(Identifier.make())"
                try await api.test { client in
                    let created = try await client.call(.post, "/api/v1/webhooks", token: api.admin, body: """
                        {"name":"ops","url":"\(receiver.url)","events":["backup.failed","restore.finished"],"secret":"\(secret)"}
                        """)
                    #expect(created.status == 201, "\(created.body)")
                    #expect(created.object["signed"] as? Bool == true)
                    #expect(created.object["events"] as? [String] == ["backup.failed", "restore.finished"])
                    let viewerTest = try await client.call(.post, "/api/v1/webhooks/ops/test", token: api.viewer)
                    #expect(viewerTest.status == 403)
                    let sent = try await client.call(.post, "/api/v1/webhooks/ops/test", token: api.admin)
                    #expect(sent.status == 200, "\(sent.body)")
                    #expect(sent.object["status"] as? String == "delivered")
                    for uri in ["/api/v1/webhooks", "/api/v1/webhooks/ops", "/api/v1/webhooks/ops/deliveries"] {
                        let response = try await client.call(.get, uri, token: api.viewer)
                        #expect(response.status == 200, "\(uri): \(response.body)")
                        #expect(!response.body.contains(secret), "the secret in \(uri)")
                    }
                }
                let request = try #require(receiver.received.first)
                #expect(receiver.received.count == 1)
                #expect(request.header("X-Tidemark-Event") == "webhook.test")
                #expect(request.header("Content-Type") == "application/json")
                let expected = "sha256=" + HMAC<SHA256>.authenticationCode(for: Data(request.body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
                    .map { String(format: "%02x", $0) }.joined()
                #expect(request.header("X-Tidemark-Signature") == expected)
                #expect(request.json["event"] as? String == "webhook.test")
                #expect(request.json["eventId"] is String)
                let catalogFile = try Data(contentsOf: URL(fileURLWithPath: "\(api.home)/catalog.sqlite"))
                #expect(catalogFile.range(of: Data(secret.utf8)) == nil, "the secret in the catalog file")
            }
        }
    }

    @Test("a failed backup only queues its notification; delivery is retried after a 500 and sends the same body")
    func failedBackupRetried() async throws {
        try await WebhookReceiver.with { receiver in
            try await APIHarness.with(environment: ["TIDEMARK_WEBHOOK_RETRY_SECONDS": "0,0"]) { api, _ in
                let control = api.control
                try await Self.unreachableDatabases(["shop", "other"], control: control)
                _ = try await control.webhooks.add(name: "all", url: receiver.url, events: [.backupFailed], database: nil, secret: nil)
                _ = try await control.webhooks.add(name: "other-only", url: receiver.url, events: [], database: "other", secret: nil)
                receiver.answer(500)

                await #expect(throws: (any Error).self) { try await control.backups.create(database: "shop") }
                // The backup ended without any request: notifications never wait on a receiver.
                #expect(receiver.received.isEmpty)
                let queued = try await control.webhooks.deliveries(webhook: nil)
                #expect(queued.map(\.webhook) == ["all"], "only the webhook that wants shop's backup.failed")

                let first = await control.webhooks.deliverDue()
                #expect(first.map(\.status) == [.pending])
                #expect(first.first?.lastError == "the receiver answered HTTP 500")
                let second = await control.webhooks.deliverDue()
                #expect(second.map(\.status) == [.delivered])
                #expect(second.first?.attempts == 2)
                #expect(await control.webhooks.deliverDue().isEmpty)

                let requests = receiver.received
                #expect(requests.count == 2)
                #expect(Set(requests.map(\.body)).count == 1, "a retry sends the same bytes")
                #expect(Set(requests.map { $0.header("X-Tidemark-Delivery") ?? "" }).count == 1)
                let payload = try #require(requests.first?.json)
                #expect(payload["event"] as? String == "backup.failed")
                #expect(payload["database"] as? String == "shop")
                let backup = try #require(payload["backup"] as? [String: Any])
                #expect(backup["status"] as? String == "failed")
                #expect((backup["error"] as? [String: Any])?["code"] is String)
                #expect(!requests[0].body.contains("db-password"), "no database password in the body")
            }
        }
    }

    @Test("a delivery gives up after its last retry; refused connections and slow receivers count as failures")
    func givesUp() async throws {
        try await WebhookReceiver.with { receiver in
            try await APIHarness.with(environment: ["TIDEMARK_WEBHOOK_RETRY_SECONDS": "0"]) { api, _ in
                let control = api.control
                receiver.answer(503, 503)
                _ = try await control.webhooks.add(name: "flaky", url: receiver.url, events: [], database: nil, secret: nil)
                let closed = try Self.closedPort()
                _ = try await control.webhooks.add(name: "gone", url: "http://127.0.0.1:\(closed)/hook", events: [], database: nil, secret: nil)
                _ = try await control.webhooks.add(name: "slow", url: receiver.hangingURL, events: [], database: nil, secret: nil)
                // 10 s per attempt: a 503 from a receiver on a machine loaded by the whole suite has come
                // later than 3 s (CI, 2026-12-06); the hanging receiver never answers, so "slow" still times out.
                for name in ["flaky", "gone", "slow"] { _ = try await control.webhooks.test(named: name, timeout: .seconds(10)) }
                let retried = await control.webhooks.deliverDue(timeout: .seconds(10))
                #expect(Set(retried.map(\.status)) == [.failed])
                let byName = Dictionary(uniqueKeysWithValues: retried.map { ($0.webhook, $0) })
                #expect(byName["flaky"]?.lastError == "the receiver answered HTTP 503")
                #expect(byName["gone"]?.lastError?.contains("cannot connect to 127.0.0.1") == true, "\(byName["gone"]?.lastError ?? "")")
                #expect(byName["slow"]?.lastError?.contains("did not answer") == true, "\(byName["slow"]?.lastError ?? "")")
                #expect(retried.allSatisfy { $0.attempts == 2 })
                #expect(await control.webhooks.deliverDue().isEmpty, "failed deliveries are not tried again")
                #expect(receiver.received.count == 2)
                let listed = try await control.webhooks.deliveries(webhook: "gone")
                #expect(listed.map(\.status) == [.failed])
            }
        }
    }

    @Test("a plan with no successful backup for two scheduled runs is reported overdue once")
    func overdue() async throws {
        let time = ManualTime(utc("2026-11-21T10:05:00Z"))
        try await WebhookReceiver.with { receiver in
            try await APIHarness.with(now: { time.now }) { api, _ in
                let control = api.control
                try await Self.unreachableDatabases(["shop", "quiet"], control: control)
                _ = try await control.plans.set(database: "shop", PlanChange(storage: "local", schedule: "0 0 * * * *"))
                _ = try await control.plans.set(database: "quiet", PlanChange(storage: "local", schedule: "0 0 * * * *"))
                _ = try await control.plans.pause(database: "quiet")
                _ = try await control.webhooks.add(name: "pager", url: receiver.url, events: [.backupOverdue], database: nil, secret: nil)

                time.set(utc("2026-11-21T12:29:00Z"))
                #expect(try await control.notifyOverdueBackups().isEmpty, "11:00 and 12:00 passed, but not the half-hour grace")
                time.set(utc("2026-11-21T12:31:00Z"))
                #expect(try await control.notifyOverdueBackups() == ["shop"])
                time.advance(by: 3600)
                #expect(try await control.notifyOverdueBackups().isEmpty, "once per episode")
                await control.webhooks.deliverDue()
                let payload = try #require(receiver.received.first?.json)
                #expect(payload["event"] as? String == "backup.overdue")
                #expect(payload["database"] as? String == "shop")
                #expect((payload["message"] as? String)?.contains("no successful backup yet") == true)
            }
        }
    }

    @Test("recovered backups, finished restores and failed storage tests notify, with real PostgreSQL")
    func recoveredRestoredStorage() async throws {
        try await withTemporaryPostgres { postgres in
            try await WebhookReceiver.with { receiver in
                try await APIHarness.with { api, _ in
                    let control = api.control
                    let directory = "\(api.home)/repository"
                    _ = try await control.storages.add(name: "local", settings: .local(path: directory))
                    _ = try await postgres.execute("CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100);")
                    let url = "postgres://\(postgres.superuser):\(postgres.password.revealed)@127.0.0.1:\(postgres.port)/postgres"
                    _ = try await control.databases.add(name: "shop", engine: .postgres, url: url, plan: nil)
                    _ = try await control.webhooks.add(name: "all", url: receiver.url, events: [], database: nil, secret: nil)
                    let earlier = control.now().addingTimeInterval(-3600)
                    try await control.catalog.insertBackup(BackupRecord(
                        id: "failed000001", database: "shop", storage: "local", status: .failed, trigger: .automatic, method: .logical,
                        engine: .postgres, startedAt: earlier, finishedAt: earlier, error: ErrorInfo(code: "tool-failed", message: "pg_dump failed")
                    ))

                    let backup = try await control.backups.create(database: "shop")
                    _ = try await control.restores.start(RestoreRequest(backupID: backup.id, newName: "shop_copy"))
                    try FileManager.default.removeItem(atPath: directory)
                    try Data("not a directory".utf8).write(to: URL(fileURLWithPath: directory))
                    #expect(try await control.storages.test(named: "local").passed == false)
                    await control.webhooks.deliverDue()

                    let events = receiver.received.map { $0.json["event"] as? String ?? "" }
                    #expect(events.sorted() == ["backup.recovered", "restore.finished", "storage.test-failed"])
                    let byEvent = Dictionary(uniqueKeysWithValues: receiver.received.map { ($0.json["event"] as? String ?? "", $0.json) })
                    #expect((byEvent["backup.recovered"]?["backup"] as? [String: Any])?["id"] as? String == backup.id)
                    #expect(byEvent["restore.finished"]?["status"] as? String == "completed")
                    #expect(byEvent["restore.finished"]?["database"] as? String == "shop")
                    #expect(byEvent["storage.test-failed"]?["storage"] as? String == "local")
                    for request in receiver.received { #expect(!request.body.contains(postgres.password.revealed)) }
                }
            }
        }
    }

    /// Registers databases on a port nothing listens on, and a local storage.
    static func unreachableDatabases(_ names: [String], control: ControlPlane) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tidemark-webhook-\(Identifier.make())").path
        _ = try await control.storages.add(name: "local", settings: .local(path: directory))
        let port = try closedPort()
        for name in names {
            try await control.catalog.insertDatabase(DatabaseRecord(
                name: name, engine: .postgres, connection: DatabaseConnection(host: "127.0.0.1", port: port, user: "app", database: name),
                password: Secret("db-password-\(name)"), createdAt: control.now()
            ))
        }
    }

    /// A loopback port with no listener (bound, then closed).
    static func closedPort() throws -> Int {
        try FreePort.loopback()
    }
}
