import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

#if canImport(Glibc)
    import Glibc
#endif

/// WAL archiving of an external server (issue 17 item 2) through the real binary, a real
/// serve, a real PostgreSQL 15 server the test starts as the "external" one, and the real
/// `pg_receivewal`: a role with only REPLICATION (not superuser), a slot, the receiver down for
/// a while (its login refused), a commit served from the partial snapshot, the slot dropped.
@Suite struct ExternalServerStreamingTests: InstanceTestSupport {
    let tools = PostgresTools.discover()

    @Test("db add --pitr on a REPLICATION role: physical backups over the replication connection, serve streams WAL through pg_receivewal and a slot, no gap after the receiver was kept out, latest from the partial segment, alert and recovery, wal.gap for a deleted segment, slot dropped by --no-pitr")
    func externalServer() async throws {
        try await withTemporaryPostgres { external in
            try await withTemporaryDirectory { directory in
                let home = "\(directory)/home"
                let cli = TidemarkBinary(home: home)
                let superuser = "postgres://postgres:\(external.password.revealed)@127.0.0.1:\(external.port)/postgres"
                try await external.execute(
                    """
                    CREATE ROLE repl LOGIN REPLICATION PASSWORD 'repl-pw';
                    CREATE ROLE plain LOGIN PASSWORD 'plain-pw';
                    CREATE TABLE marks (v text);
                    """
                )
                do {
                    _ = try object(try await cli.run(["storage", "add", "local1", "--local", "\(directory)/repo", "--output", "json"]))
                    // A role that may not replicate is refused before anything is saved.
                    let refused = try await cli.run(["db", "add", "nope", "--url", "postgres://plain:plain-pw@127.0.0.1:\(external.port)/postgres", "--pitr"])
                    #expect(refused.exitCode != 0 && refused.standardError.contains("REPLICATION"), "\(refused.standardError)")
                    #expect(try await cli.run(["db", "show", "nope"]).exitCode != 0, "nothing was registered")

                    let added = try object(try await cli.run(["db", "add", "ext", "--url", "postgres://repl:repl-pw@127.0.0.1:\(external.port)/postgres", "--pitr", "--output", "json"]))
                    let slot = try #require(added["walSlot"] as? String, "\(added)")
                    #expect(try await psql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '\(slot)'", url: superuser) == "1")
                    let plan = try object(try await cli.run(["plan", "show", "ext", "--output", "json"]))
                    #expect(plan["method"] as? String == "physical" && plan["pitr"] as? Bool == true, "\(plan)")

                    let serve = try ServeProcess(
                        home: home, passphrase: cli.passphrase,
                        environment: ["TIDEMARK_WAL_PARTIAL_SECONDS": "1", "TIDEMARK_WAL_ALERT_SECONDS": "3", "TIDEMARK_WAL_GAP_CHECK_SECONDS": "1"],
                        arguments: ["--listen", "none", "--supervisor-interval", "1"]
                    )
                    let streaming = try await eventually(seconds: 30, every: .milliseconds(200)) {
                        try await psql("SELECT active FROM pg_replication_slots WHERE slot_name = '\(slot)'", url: superuser) == "t"
                    }
                    #expect(streaming, "\(serve.log.suffix(2000))")

                    let backup = try object(try await cli.run(["backup", "create", "ext", "--output", "json"]))
                    #expect(backup["method"] as? String == "physical", "\(backup)")
                    try await Task.sleep(for: .milliseconds(1200))
                    _ = try await psql("INSERT INTO marks VALUES ('A')", url: superuser)
                    let target = try await psql("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", url: superuser)
                    try await Task.sleep(for: .milliseconds(1200))
                    _ = try await psql("INSERT INTO marks VALUES ('B')", url: superuser)
                    _ = try await psql("SELECT pg_switch_wal()", url: superuser)

                    // The receiver kept out: its login refused and its connection cut. The slot
                    // keeps the WAL written meanwhile; an alert fires; nothing is lost.
                    _ = try await psql("ALTER ROLE repl NOLOGIN; SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '\(slot)'", url: superuser)
                    for round in 0..<3 {
                        _ = try await psql("INSERT INTO marks VALUES ('C\(round)')", url: superuser)
                        _ = try await psql("SELECT pg_switch_wal()", url: superuser)
                    }
                    let alerted = try await eventually(seconds: 60, every: .milliseconds(250)) { serve.log.contains("WAL of ext is not being archived") }
                    #expect(alerted, "\(serve.log.suffix(3000))")
                    #expect(try await psql("SELECT active FROM pg_replication_slots WHERE slot_name = '\(slot)'", url: superuser) == "f")
                    _ = try await psql("ALTER ROLE repl LOGIN", url: superuser)
                    let recovered = try await eventually(seconds: 90, every: .milliseconds(250)) { serve.log.contains("WAL streaming of ext works again") }
                    #expect(recovered, "\(serve.log.suffix(3000))")

                    // A commit with no segment switch after it: only the partial snapshot has it.
                    _ = try await psql("INSERT INTO marks VALUES ('D')", url: superuser)
                    let flushed = try await psql("SELECT pg_current_wal_lsn()", url: superuser)
                    let received = try await eventually(seconds: 30, every: .milliseconds(200)) {
                        try await psql("SELECT coalesce(bool_or(write_lsn >= '\(flushed)'), false) FROM pg_stat_replication WHERE usename = 'repl'", url: superuser) == "t"
                    }
                    #expect(received)
                    try await Task.sleep(for: .seconds(4))

                    let shown = try object(try await cli.run(["db", "show", "ext", "--output", "json"]))
                    let window = try #require(shown["recoveryWindow"] as? [[String: Any]])
                    #expect(window.count == 1, "one unbroken range, no gap: \(window)")

                    let atTarget = try restoredURL(try await cli.run(["restore", "ext", "--at", target, "--to", "x1", "--output", "json"]))
                    #expect(try await rows(atTarget) == "A")
                    let atLatest = try restoredURL(try await cli.run(["restore", "ext", "--at", "latest", "--to", "x2", "--output", "json"]))
                    #expect(try await rows(atLatest) == "A,B,C0,C1,C2,D", "everything, D from the partial segment")

                    let objects = try FileManager.default.subpathsOfDirectory(atPath: "\(directory)/repo/wal")
                    #expect(objects.contains { $0.contains(".partial-") }, "\(objects)")
                    #expect(!serve.log.contains("misses segment"), "no hole yet: \(serve.log.suffix(2000))")
                    // A segment in the middle of the window deleted by hand: serve reports the hole.
                    let segments = objects.filter { $0.split(separator: "/").last.map { $0.prefix(24).allSatisfy(\.isHexDigit) && $0.dropFirst(24).hasPrefix("-") } ?? false }.sorted()
                    #expect(segments.count >= 4, "\(segments)")
                    let deleted = segments[segments.count - 2]
                    try FileManager.default.removeItem(atPath: "\(directory)/repo/wal/\(deleted)")
                    let missing = String(deleted.split(separator: "/").last?.prefix(24) ?? "").uppercased()
                    let gap = try await eventually(seconds: 30, every: .milliseconds(200)) { serve.log.contains("misses segment \(missing)") }
                    #expect(gap, "\(serve.log.suffix(2000))")

                    // Archiving off: the receiver stops and the slot is gone from the server.
                    _ = try object(try await cli.run(["plan", "set", "ext", "--no-pitr", "--output", "json"]))
                    #expect(try await psql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '\(slot)'", url: superuser) == "0")
                    let stopped = try await eventually(seconds: 20, every: .milliseconds(200)) { serve.log.contains("WAL receiver of ext stopped") }
                    #expect(stopped, "\(serve.log.suffix(2000))")
                    #expect(try await psql("SELECT count(*) FROM pg_replication_slots", url: superuser) == "0", "serve did not create it again")
                    serve.send(SIGTERM)
                    #expect(try await serve.waitForExit(seconds: 20) == 0)
                } catch {
                    await removeInstances(home: home)
                    throw error
                }
                await removeInstances(home: home)
            }
        }
    }
}
