import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Continuous WAL archiving and point-in-time restores through the real binary, a real serve
/// and real managed instances (issue 17), written after the pitfalls WAVE2 §A4 lists: the
/// target is read from the server's clock after a commit, a commit follows it, and the WAL is
/// switched and waited for until archived.
@Suite struct PointInTimeRecoveryTests: InstanceTestSupport {
    let tools = PostgresTools.discover()

    /// The newest segment `url`'s server closed and archived, after closing the current one.
    func switchAndWaitArchived(url: String, seconds: Double = 60) async throws {
        let closed = try await psql("SELECT pg_walfile_name(pg_switch_wal())", url: url)
        let archived = try await eventually(seconds: seconds, every: .milliseconds(100)) {
            let last = try await psql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver", url: url)
            return last >= closed
        }
        #expect(archived, "segment \(closed) was not archived")
    }

    /// The server's clock now, as an ISO 8601 time with microseconds (commit times are the server's).
    func serverNow(url: String) async throws -> String {
        try await psql("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", url: url)
    }

    @Test("restore at T has A and not B, at latest both; times outside the window are refused before any work; the restored instance is PITR-restored again on its own timeline; wal-push is idempotent and refuses a conflict")
    func pointInTime() async throws {
        try await withTemporaryDirectory { directory in
            let home = "\(directory)/home"
            let cli = TidemarkBinary(home: home)
            do {
                _ = try object(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo", "--output", "json"]))
                let src = try #require(try object(try await cli.run(["db", "create", "src", "--no-plan", "--output", "json"]))["url"] as? String)
                // Before serve runs, nothing takes the WAL: the plan is saved, the segments wait.
                let plan = try object(try await cli.run(["plan", "set", "src", "--method", "physical", "--pitr", "--output", "json"]))
                #expect(plan["pitr"] as? Bool == true)
                let token = try #require(try object(try await cli.run(["token", "create", "pitr", "--role", "admin", "--output", "json"]))["token"] as? String)
                let serve = try ServeProcess(home: home, passphrase: cli.passphrase, arguments: ["--supervisor-interval", "1"])
                _ = try await psql("CREATE TABLE marks (v text)", url: src)
                _ = try object(try await cli.run(["backup", "create", "src", "--method", "physical", "--output", "json"]))
                try await Task.sleep(for: .milliseconds(1200))
                _ = try await psql("INSERT INTO marks VALUES ('A')", url: src)
                let target = try await serverNow(url: src)
                try await Task.sleep(for: .milliseconds(1200))
                _ = try await psql("INSERT INTO marks VALUES ('B')", url: src)
                try await switchAndWaitArchived(url: src)
                #expect(serve.log.contains("taking WAL from wal-push"), "\(serve.log)")

                let shown = try object(try await cli.run(["plan", "show", "src", "--output", "json"]))
                let window = try #require(shown["recoveryWindow"] as? [[String: Any]])
                #expect(window.count == 1 && window.first?["timeline"] as? Int == 1, "\(shown)")
                let earliest = try #require(window.first?["earliest"] as? String)
                // Whole seconds in the window (ISO strings of one precision compare as times).
                let targetSecond = String(target.prefix(19)) + "Z"
                #expect(earliest <= targetSecond && (window.first?["latest"] as? String ?? "") >= targetSecond, "\(window) vs \(target)")
                let databaseShown = try object(try await cli.run(["db", "show", "src", "--output", "json"]))
                #expect((databaseShown["recoveryWindow"] as? [[String: Any]])?.count == 1)

                // Outside the window: refused before anything is recorded or created.
                let operationsBefore = try #require(try await cli.run(["op", "list", "--output", "json"]).json() as? [[String: Any]]).count
                for outside in ["2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z"] {
                    let refused = try await cli.run(["restore", "src", "--at", outside, "--to", "never", "--output", "json"])
                    #expect(refused.exitCode != 0)
                    #expect(refused.standardOutput.contains("outside-recovery-window") || refused.standardError.contains("outside-recovery-window"), "\(refused.standardOutput) \(refused.standardError)")
                    #expect(refused.standardOutput.contains(earliest) || refused.standardError.contains(earliest), "the error names the window")
                }
                let operationsAfter = try #require(try await cli.run(["op", "list", "--output", "json"]).json() as? [[String: Any]]).count
                #expect(operationsAfter == operationsBefore)
                #expect(!FileManager.default.fileExists(atPath: "\(home)/instances/never"))

                let atTarget = try restoredURL(try await cli.run(["restore", "src", "--at", target, "--to", "r1", "--output", "json"]))
                #expect(try await rows(atTarget) == "A")
                let atLatest = try restoredURL(try await cli.run(["restore", "src", "--at", "latest", "--to", "r2", "--output", "json"]))
                #expect(try await rows(atLatest) == "A,B")

                // The same through the API (database and moment) and the dashboard's time picker.
                let port = try #require(try await serve.port(), "\(serve.log)")
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    let api = "http://127.0.0.1:\(port)/api/v1"
                    let queued = try await apiCall(http, .POST, "\(api)/restores", token: token, body: #"{"database":"src","at":"\#(target)","newName":"viaapi"}"#)
                    #expect(queued.status == 202, "\(queued.body)")
                    let operation = try #require(queued.object["id"] as? String)
                    #expect(try await eventually(seconds: 120) {
                        try await apiCall(http, .GET, "\(api)/operations/\(operation)", token: token).object["status"] as? String == "completed"
                    })
                    let apiCopy = try object(try await cli.run(["db", "show", "viaapi", "--show-password", "--output", "json"]))
                    #expect(try await rows(try #require(apiCopy["url"] as? String)) == "A")
                    let refused = try await apiCall(http, .POST, "\(api)/restores", token: token, body: #"{"database":"src","at":"2020-01-01T00:00:00Z","newName":"never"}"#)
                    #expect(refused.status == 422 && refused.body.contains("outside-recovery-window"), "\(refused.status) \(refused.body)")

                    var dashboard = DashboardSession(base: "http://127.0.0.1:\(port)")
                    defer { Task { [dashboard] in await dashboard.shutdown() } }
                    try await dashboard.signIn(token: token)
                    let databasePage = try await dashboard.call(.GET, "/ui/databases/src")
                    #expect(databasePage.body.contains(#"id="pitr">on: WAL archived continuously"#), "\(databasePage.body.suffix(4000))")
                    #expect(databasePage.body.contains(#"id="recovery-window""#) && databasePage.body.contains(#"<time datetime="\#(earliest)">"#) && databasePage.body.contains("timeline 1"), "\(databasePage.body.suffix(4000))")
                    let backupID = try #require((try await cli.run(["backup", "list", "src", "--output", "json"]).json() as? [[String: Any]])?.first?["id"] as? String)
                    let dialog = try await dashboard.call(.GET, "/ui/backups/\(backupID)/restore")
                    #expect(dialog.status == 200 && dialog.body.contains(#"type="datetime-local" id="at" name="at" step="1" min="#), "\(dialog.body.suffix(3000))")
                    let csrf = try #require(DashboardSession.hidden("csrf", in: dialog.body))
                    let moment = String(target.prefix(26))
                    let posted = try await dashboard.call(.POST, "/ui/backups/\(backupID)/restore", form: ["csrf": csrf, "newName": "viaui", "recover": "time", "at": moment])
                    let location = try #require(posted.location, "\(posted.status) \(posted.body.suffix(2000))")
                    let uiOperation = String(location.split(separator: "/").last ?? "")
                    #expect(try await eventually(seconds: 120) {
                        try await apiCall(http, .GET, "\(api)/operations/\(uiOperation)", token: token).object["status"] as? String == "completed"
                    })
                    let uiCopy = try object(try await cli.run(["db", "show", "viaui", "--show-password", "--output", "json"]))
                    #expect(try await rows(try #require(uiCopy["url"] as? String)) == "A")
                } catch {
                    try? await http.shutdown()
                    throw error
                }
                try await http.shutdown()
                #expect(try await psql("SELECT timeline_id FROM pg_control_checkpoint()", url: atTarget) == "2")

                // The restored instance archives into its own namespace and is restored to a
                // moment of its own: its timeline 2 never mixed with its source's archive.
                _ = try object(try await cli.run(["plan", "set", "r1", "--storage", "local1", "--method", "physical", "--pitr", "--output", "json"]))
                _ = try await psql("INSERT INTO marks VALUES ('C0')", url: atTarget)
                _ = try object(try await cli.run(["backup", "create", "r1", "--method", "physical", "--output", "json"]))
                try await Task.sleep(for: .milliseconds(1200))
                _ = try await psql("INSERT INTO marks VALUES ('C')", url: atTarget)
                let second = try await serverNow(url: atTarget)
                try await Task.sleep(for: .milliseconds(1200))
                _ = try await psql("INSERT INTO marks VALUES ('D')", url: atTarget)
                try await switchAndWaitArchived(url: atTarget)
                let again = try restoredURL(try await cli.run(["restore", "r1", "--at", second, "--to", "r3", "--output", "json"]))
                #expect(try await rows(again) == "A,C,C0")
                #expect(try await psql("SELECT timeline_id FROM pg_control_checkpoint()", url: again) == "3")
                let namespaces = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/repo/wal")
                #expect(namespaces.count == 2, "src and r1 archive apart: \(namespaces)")
                // A reader written from docs/FORMAT.md finds PostgreSQL's own files: 16 MiB
                // segments starting with a PostgreSQL 15 page header (magic 0xD110).
                var reader = DocumentedRepositoryReader(directory: "\(directory)/repo")
                _ = try reader.unlock(passphrase: cli.passphrase)
                for namespace in namespaces {
                    let files = try reader.walFiles(namespace: namespace)
                    #expect(!files.isEmpty)
                    for (name, file) in files where name.count == 24 {
                        #expect(file.contents.count == 16 << 20 && file.contents[0] == 0x10 && file.contents[1] == 0xD1, "\(name)")
                    }
                }
                let timelines = try namespaces.map { Set(try reader.walFiles(namespace: $0).keys.filter { $0.count == 24 }.map { $0.prefix(8) }) }
                #expect(Set(timelines) == [["00000001"], ["00000002"]], "each namespace holds its own timeline: \(timelines)")
                // r1 wrote 00000002.history at its promotion, before its plan archived: serve stored it later.
                let histories = try namespaces.map { try reader.walFiles(namespace: $0).keys.filter { $0.hasSuffix(".history") } }
                #expect(histories.contains { $0.contains("00000002.history") }, "\(histories)")

                // wal-push by hand: the same file twice succeeds, other contents under its name fail.
                let namespace = try #require(namespaces.first)
                let segment = "\(directory)/0000000100000000000000F0"
                _ = FileManager.default.createFile(atPath: segment, contents: Data((0..<(1 << 16)).map { UInt8($0 % 251) }))
                let push = ["wal-push", segment, "--socket", "\(home)/run/wal.sock", "--namespace", namespace]
                // Killed mid-upload, then pushed again: stored once, whole.
                let killed = try RunningCommand(push, cli: cli)
                killed.kill9()
                #expect(try await cli.run(push).exitCode == 0)
                #expect(try await cli.run(push).exitCode == 0, "pushing the same contents again succeeds")
                _ = FileManager.default.createFile(atPath: segment, contents: Data(repeating: 7, count: 1 << 16))
                let conflict = try await cli.run(push)
                #expect(conflict.exitCode == 1)
                #expect(conflict.standardError.contains("wal-conflict"), "\(conflict.standardError)")
                let stored = try FileManager.default.subpathsOfDirectory(atPath: "\(directory)/repo/wal/\(namespace)").filter { $0.contains("0000000100000000000000f0") }
                #expect(stored.count == 1, "\(stored)")
                let unknown = try await cli.run(["wal-push", segment, "--socket", "\(home)/run/wal.sock", "--namespace", "000000000000"])
                #expect(unknown.exitCode == 1 && unknown.standardError.contains("wal-namespace-unknown"), "\(unknown.standardError)")

                serve.send(SIGTERM)
                _ = try await serve.waitForExit(seconds: 20)
                let noServe = try await cli.run(push)
                #expect(noServe.exitCode == 1 && noServe.standardError.contains("serve"), "\(noServe.standardError)")
            } catch {
                await removeInstances(home: home)
                throw error
            }
            await removeInstances(home: home)
        }
    }

    @Test("S3 gone while archiving: nothing is lost, an alert fires, archiving catches up; gone during recovery: the server never promotes early, a retry succeeds")
    func storageOutages() async throws {
        try await withMotoServer { moto in
            try await withTemporaryDirectory { directory in
                let home = "\(directory)/home"
                let cli = TidemarkBinary(home: home)
                let proxy = try FaultProxy(upstreamPort: moto.port) { _ in .pass }
                let environment = ["TIDEMARK_S3_SECRET_ACCESS_KEY": moto.secret().revealed, "TIDEMARK_STORAGE_RETRY_SECONDS": "2"]
                do {
                    let added = try await cli.run(
                        ["storage", "add", "s3", "--s3", "--endpoint", "http://127.0.0.1:\(proxy.port)", "--bucket", moto.bucket, "--path-style", "--access-key-id", moto.settings().accessKeyID],
                        environment: environment
                    )
                    #expect(added.exitCode == 0, "\(added.standardError)")
                    let src = try #require(try object(try await cli.run(["db", "create", "src", "--no-plan", "--output", "json"]))["url"] as? String)
                    _ = try object(try await cli.run(["plan", "set", "src", "--method", "physical", "--pitr", "--output", "json"]))
                    let serve = try ServeProcess(
                        home: home, passphrase: cli.passphrase, environment: environment.merging(["TIDEMARK_WAL_ALERT_SECONDS": "3"]) { $1 },
                        arguments: ["--listen", "none", "--supervisor-interval", "1"]
                    )
                    _ = try await psql("CREATE TABLE marks (v text)", url: src)
                    _ = try object(try await cli.run(["backup", "create", "src", "--method", "physical", "--output", "json"], environment: environment))

                    proxy.sever(true)
                    for round in 0..<3 {
                        _ = try await psql("INSERT INTO marks VALUES ('during-\(round)')", url: src)
                        _ = try await psql("SELECT pg_switch_wal()", url: src)
                    }
                    let failing = try await eventually(seconds: 60, every: .milliseconds(250)) {
                        try await psql("SELECT failed_count FROM pg_stat_archiver", url: src) != "0" && serve.log.contains("is not being archived")
                    }
                    #expect(failing, "\(serve.log.suffix(3000))")
                    proxy.sever(false)
                    _ = try await psql("INSERT INTO marks VALUES ('after')", url: src)
                    try await switchAndWaitArchived(url: src, seconds: 120)
                    #expect(try await psql("SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'", url: src) == "0")
                    let latest = try restoredURL(try await cli.run(["restore", "src", "--at", "latest", "--to", "caught", "--output", "json"], environment: environment))
                    #expect(try await rows(latest) == "after,during-0,during-1,during-2", "no segment was lost")
                    let recovered = try await eventually(seconds: 30) { serve.log.contains("WAL archiving of src caught up") }
                    #expect(recovered, "\(serve.log.suffix(2000))")

                    // Enough segments that the restore must fetch some after the server started.
                    for round in 0..<14 {
                        _ = try await psql("INSERT INTO marks VALUES ('more-\(round)')", url: src)
                        _ = try await psql("SELECT pg_switch_wal()", url: src)
                    }
                    try await switchAndWaitArchived(url: src, seconds: 120)
                    let restoring = try RunningCommand(["restore", "src", "--at", "latest", "--to", "cut", "--output", "json"], cli: cli, environment: environment)
                    let asked = try await eventually(seconds: 120, every: .milliseconds(20)) {
                        let spools = ((try? FileManager.default.contentsOfDirectory(atPath: "\(home)/instances")) ?? []).filter { $0.hasPrefix(".wal-spool-") }
                        return spools.contains { FileManager.default.fileExists(atPath: "\(home)/instances/\($0)/.wanted") }
                    }
                    #expect(asked, "the server never asked for WAL")
                    proxy.sever(true)
                    let exit = try await restoring.waitForExit(seconds: 180)
                    #expect(exit != 0, "the restore must fail, not promote on partial WAL: \(restoring.output)")
                    #expect(!FileManager.default.fileExists(atPath: "\(home)/instances/cut"), "the half instance is removed")
                    let operations = try #require(try await cli.run(["op", "list", "--output", "json"]).json() as? [[String: Any]])
                    let failed = try #require(operations.first { $0["kind"] as? String == "restore" && $0["status"] as? String == "failed" })
                    proxy.sever(false)
                    let retried = try await cli.run(["op", "retry", try #require(failed["id"] as? String)], environment: environment)
                    #expect(retried.exitCode == 0, "\(retried.standardError)")
                    let cut = try object(try await cli.run(["db", "show", "cut", "--show-password", "--output", "json"]))
                    #expect(try await rows(try #require(cut["url"] as? String)).hasSuffix("more-9"), "every row after the retry")
                    serve.send(SIGTERM)
                    _ = try await serve.waitForExit(seconds: 20)
                } catch {
                    await removeInstances(home: home)
                    throw error
                }
                await removeInstances(home: home)
            }
        }
    }
}
