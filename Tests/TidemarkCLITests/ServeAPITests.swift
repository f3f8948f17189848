import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP API of a real `tidemark serve` on loopback, driven over sockets, with a real
/// PostgreSQL: queue a backup, watch it finish, inspect it, restore it, follow the restore.
@Suite struct ServeAPITests {
    @Test("backup and restore through the API of a running serve; logs follow as JSON lines to the end; serve sends webhooks")
    func backupAndRestoreOverHTTP() async throws {
        try await WebhookReceiver.with { receiver in try await backupAndRestoreOverHTTP(receiver: receiver) }
    }

    private func backupAndRestoreOverHTTP(receiver: WebhookReceiver) async throws {
        try await withShop { shop in
            try await shop.register()
            let cli = shop.cli
            _ = try await cli.run(["plan", "pause", "shop"])
            let admin = try await cli.run(["token", "create", "ops", "--role", "admin"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let viewer = try await cli.run(["token", "create", "dash", "--role", "viewer"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(admin.hasPrefix("tmk_") && viewer.hasPrefix("tmk_"))
            let listed = try await cli.run(["token", "list"])
            #expect(listed.standardOutput.contains("ops") && !listed.standardOutput.contains(admin))
            let hook = try await cli.run(["webhook", "add", "chat", "--url", receiver.url, "--event", "restore.finished"])
            #expect(hook.exitCode == 0, "\(hook.standardError)")
            let tested = try await cli.run(["webhook", "test", "chat"])
            #expect(tested.exitCode == 0, "\(tested.standardOutput)\(tested.standardError)")
            #expect(receiver.received.map { $0.json["event"] as? String } == ["webhook.test"])

            let serve = try ServeProcess(home: cli.home, passphrase: cli.passphrase)
            let port = try #require(try await serve.port(), "serve log:\n\(serve.log)")
            let api = "http://127.0.0.1:\(port)/api/v1"
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                #expect(try await apiCall(http, .GET, "\(api)/backups", token: nil).status == 401)
                #expect(try await apiCall(http, .POST, "\(api)/backups", token: viewer, body: #"{"database":"shop"}"#).status == 403)
                let queued = try await apiCall(http, .POST, "\(api)/backups", token: admin, body: #"{"database":"shop"}"#)
                #expect(queued.status == 202, "\(queued.body)")
                let operationID = try #require(queued.object["id"] as? String)
                let done = try await eventually(seconds: 120) {
                    try await apiCall(http, .GET, "\(api)/operations/\(operationID)", token: viewer).object["status"] as? String == "completed"
                }
                #expect(done, "serve log:\n\(serve.log)")
                let operation = try await apiCall(http, .GET, "\(api)/operations/\(operationID)", token: viewer).object
                let backupID = try #require(operation["backupId"] as? String)
                let progress = try #require(operation["progress"] as? [String: Any])
                #expect((progress["bytesRead"] as? Int ?? 0) > 0)
                #expect(progress["tablesDone"] as? Int == progress["tablesTotal"] as? Int)

                let backup = try await apiCall(http, .GET, "\(api)/backups/\(backupID)", token: viewer).object
                #expect(backup["status"] as? String == "completed")
                let tables = ((backup["databases"] as? [[String: Any]])?.first?["tables"] as? [[String: Any]]) ?? []
                #expect(tables.contains { $0["name"] as? String == "orders" && $0["rows"] as? Int == 20000 })

                let taken = try await apiCall(http, .POST, "\(api)/restores", token: admin, body: #"{"backupId":"\#(backupID)","newName":"shop"}"#)
                #expect(taken.status == 409, "a taken name is refused before anything is queued: \(taken.body)")
                #expect(taken.body.contains("target-exists"))
                let restore = try await apiCall(http, .POST, "\(api)/restores", token: admin, body: #"{"backupId":"\#(backupID)","newName":"shop_api"}"#)
                #expect(restore.status == 202, "\(restore.body)")
                let restoreID = try #require(restore.object["id"] as? String)

                // Follow the restore over HTTP: JSON lines until "finished".
                let followed = try await apiCall(http, .GET, "\(api)/operations/\(restoreID)/logs?follow=true", token: viewer)
                #expect(followed.status == 200)
                let events = followed.body.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                #expect(events.contains { $0["type"] as? String == "log" })
                let last = try #require(events.last)
                #expect(last["type"] as? String == "finished")
                #expect((last["operation"] as? [String: Any])?["status"] as? String == "completed", "\(followed.body)")

                let shown = try await apiCall(http, .GET, "\(api)/restores/\(restoreID)", token: viewer).object
                #expect((shown["result"] as? [String: Any])?["database"] as? String == "shop_api")
                let rows = try await shop.postgres.execute("SELECT count(*) FROM orders;", database: "shop_api")
                #expect(rows.contains("20000"))
                // serve's own delivery loop sends the restore's notification (no CLI involved).
                let notified = try await eventually(seconds: 30) { receiver.received.count == 2 }
                #expect(notified, "serve log:\n\(serve.log)")
                let restored = try #require(receiver.received.last?.json)
                #expect(restored["event"] as? String == "restore.finished")
                #expect(restored["status"] as? String == "completed")

                // The CLI follows the same way (the restore already ended: history, then "finished").
                let cliFollow = try await cli.run(["op", "logs", restoreID, "--follow", "--output", "json"])
                #expect(cliFollow.exitCode == 0)
                let lines = cliFollow.standardOutput.split(separator: "\n")
                #expect(lines.count >= 2)
                #expect(lines.last?.contains(#""type":"finished""#) == true)

                let metrics = try await apiCall(http, .GET, "http://127.0.0.1:\(port)/metrics", token: nil)
                #expect(metrics.body.contains(#"tidemark_backups_finished_total{status="completed"} 1"#), "\(metrics.body)")
                #expect(metrics.body.contains(#"tidemark_restores_finished_total{status="completed"} 1"#))
                #expect(metrics.body.contains(#"tidemark_last_successful_backup_timestamp_seconds{database="shop"}"#))
            } catch {
                try? await http.shutdown()
                throw error
            }
            try await http.shutdown()
            serve.send(SIGTERM)
            #expect(try await serve.waitForExit(seconds: 30) == 0, "serve log:\n\(serve.log)")
        }
    }
}
