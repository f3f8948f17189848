import Foundation
package import TidemarkCore

/// The physical side of external PostgreSQL servers (``ReplicationClient``): checks and slots
/// with psql, base backups with `pg_basebackup`, WAL streaming with `pg_receivewal`, all over
/// the role's TCP connection with its password in `PGPASSWORD`.
package struct PostgresReplicationClient: ReplicationClient {
    let runner: any ProcessRunner
    let tools: PostgresTools

    package init(runner: any ProcessRunner, tools: PostgresTools) {
        self.runner = runner
        self.tools = tools
    }

    private func session(_ target: DatabaseTarget) -> PostgresSession {
        .server(target, runner: runner, tools: tools)
    }

    package func checkReplication(_ target: DatabaseTarget) async throws {
        let answer = try await session(target).execute(
            """
            SELECT (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user), current_setting('wal_level'),
                current_setting('max_wal_senders')::int - (SELECT count(*) FROM pg_stat_replication),
                current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots),
                current_setting('server_version_num')::int;
            """, failure: .databaseUnreachable
        ).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").map(String.init)
        guard answer.count == 5 else { throw EngineError(.dumpFailed, "unexpected answer about replication from \(target.connection.host):\(target.connection.port): \(answer)") }
        let user = target.connection.user
        if answer[0] != "t" {
            throw EngineError(
                .permissionDenied, "PostgreSQL user \(user) may not replicate; WAL streaming and physical backups need the REPLICATION attribute",
                hint: "Run 'ALTER ROLE \(user) REPLICATION;' as a superuser, and allow it a 'replication' line in pg_hba.conf."
            )
        }
        if answer[1] == "minimal" {
            throw EngineError(.notSupported, "the server runs with wal_level = minimal, which cannot be streamed", hint: "Set wal_level = replica in postgresql.conf and restart the server.")
        }
        if (Int(answer[2]) ?? 0) < 1 {
            throw EngineError(.notSupported, "the server has no free WAL sender (max_wal_senders)", hint: "Raise max_wal_senders in postgresql.conf (restart needed).")
        }
        if (Int(answer[3]) ?? 0) < 1 {
            throw EngineError(.notSupported, "the server has no free replication slot (max_replication_slots)", hint: "Raise max_replication_slots in postgresql.conf (restart needed), or drop an unused slot.")
        }
        if (Int(answer[4]) ?? 0) / 10000 != 15 {
            throw EngineError(
                .notSupported, "the server runs PostgreSQL \(answer[4]); physical backups are restored onto PostgreSQL 15 instances here and must come from a 15 server",
                hint: "Use --method logical for this database."
            )
        }
    }

    package func createSlot(_ slot: String, on target: DatabaseTarget) async throws {
        // Reserving WAL at once: segments from now on are kept even before the receiver first connects.
        try await session(target).execute(
            "SELECT pg_create_physical_replication_slot(:'slot', true) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :'slot');",
            variables: ["slot": slot], failure: .permissionDenied
        )
    }

    package func dropSlot(_ slot: String, on target: DatabaseTarget) async throws {
        // A receiver still attached keeps the slot active: it is terminated first, and a
        // receiver that reconnected in between (serve restarts it) is terminated again.
        for attempt in 1...10 {
            let left = try await session(target).execute(
                """
                SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = :'slot' AND active_pid IS NOT NULL;
                SELECT pg_sleep(0.3) FROM pg_replication_slots WHERE slot_name = :'slot' AND active;
                SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = :'slot' AND NOT active;
                SELECT count(*) FROM pg_replication_slots WHERE slot_name = :'slot';
                """,
                variables: ["slot": slot], failure: .permissionDenied
            )
            if left.split(separator: "\n").last.map({ $0.trimmingCharacters(in: .whitespaces) }) == "0" { return }
            if attempt < 10 { try await Task.sleep(for: .seconds(1)) }
        }
        throw EngineError(
            .restoreFailed, "replication slot \(slot) on \(target.connection.host):\(target.connection.port) stays in use; it was not dropped",
            hint: "Stop what streams from it, then run SELECT pg_drop_replication_slot('\(slot)'); on the server."
        )
    }

    package func slotStatus(_ slot: String, on target: DatabaseTarget) async throws -> ReplicationSlotStatus? {
        let line = try await session(target).execute(
            """
            SELECT active, COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint, COALESCE(wal_status, 'lost')
            FROM pg_replication_slots WHERE slot_name = :'slot';
            """,
            variables: ["slot": slot], failure: .databaseUnreachable
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        let fields = line.split(separator: "|").map(String.init)
        guard fields.count == 3 else { return nil }
        return ReplicationSlotStatus(active: fields[0] == "t", retainedBytes: Int64(fields[1]) ?? 0, walStatus: fields[2])
    }

    package func receiveWAL(from target: DatabaseTarget, slot: String, into directory: String) async throws -> ProcessOutcome {
        let server = session(target)
        // --no-loop: a broken connection ends the process, and serve decides when to start it
        // again (and sees the failure); it resumes from the files in the directory or the slot.
        let command = ProcessCommand(
            executable: tools.path("pg_receivewal"),
            arguments: server.connection + ["--no-password", "--slot=\(slot)", "--directory=\(directory)", "--no-loop", "--status-interval=5"],
            environment: server.environment
        )
        return try await runner.run(command) { _ in }
    }

    package func baseBackup(
        of target: DatabaseTarget,
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ bytesDone: Int64, _ bytesTotal: Int64) -> Void
    ) async throws -> BaseBackupSummary {
        try await session(target).baseBackup(into: sink, progress: progress)
    }
}
