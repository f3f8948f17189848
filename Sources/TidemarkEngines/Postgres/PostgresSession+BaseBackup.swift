import Foundation
import TidemarkCore

extension PostgresSession {
    /// Streams a base backup of the whole cluster (`pg_basebackup -Ft -X fetch` to stdout)
    /// into `sink`, with the facts the manifest records (``InstanceManager/baseBackup(of:into:progress:)``).
    func baseBackup(
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ bytesDone: Int64, _ bytesTotal: Int64) -> Void
    ) async throws -> BaseBackupSummary {
        let facts = try await execute(
            """
            SELECT current_setting('server_version'), (SELECT system_identifier FROM pg_control_system()),
                current_setting('data_checksums'), (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'),
                (SELECT count(*) FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global')),
                (SELECT sum(pg_database_size(oid)) FROM pg_database WHERE has_database_privilege(oid, 'CONNECT'));
            """, failure: .dumpFailed
        ).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard facts.count == 6 else { throw EngineError(.dumpFailed, "unexpected answer from \(described) about its cluster: \(facts.joined(separator: "|"))") }
        if facts[4] != "0" {
            throw EngineError(
                .notSupported, "this cluster has \(facts[4]) extra tablespace(s); physical backups of such clusters are not supported yet",
                hint: "Use --method logical, or move the tables into pg_default."
            )
        }
        let total = Int64(facts[5]) ?? 0
        let databases = try await contents()

        var scanner = BaseBackupScanner()
        let (executable, arguments) = tools.bufferedOutput("pg_basebackup", connection + [
            "--no-password", "-D", "-", "-F", "tar", "-X", "fetch", "--checkpoint=fast", "--label=tidemark",
        ])
        var lastReport: Int64 = 0
        let outcome = try await runner.run(ProcessCommand(executable: executable, arguments: arguments, environment: environment)) { buffer in
            try scanner.consume(buffer)
            try await sink(buffer)
            if scanner.bytes - lastReport >= 4 << 20 {
                lastReport = scanner.bytes
                progress(scanner.bytes, max(total, scanner.bytes))
            }
        }
        guard outcome.succeeded else {
            throw error(outcome, doing: "pg_basebackup (exit \(outcome.exitCode))", failure: .dumpFailed)
        }
        guard scanner.sawEnd, !scanner.backupLabel.isEmpty, !scanner.backupManifest.isEmpty else {
            throw EngineError(.dumpFailed, "pg_basebackup's archive ended without backup_label, backup_manifest or the end marker")
        }
        progress(scanner.bytes, scanner.bytes)
        let label = String(decoding: scanner.backupLabel, as: UTF8.self)
        let parsedLabel = BackupLabel(label)
        let range = try WALRange(manifest: scanner.backupManifest)
        let physical = PhysicalBackupInfo(
            startLSN: parsedLabel.startLSN ?? range.startLSN,
            stopLSN: range.endLSN,
            startedAt: parsedLabel.startTime,
            // The next whole second: catalogs and manifests keep seconds, and a point-in-time
            // target before the real end of the backup cannot be reached from it.
            stoppedAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.up)),
            timeline: parsedLabel.timeline ?? range.timeline,
            systemIdentifier: facts[1],
            dataChecksums: facts[2] == "on",
            walSegmentSize: Int(facts[3]) ?? 16 << 20,
            includesWAL: true,
            backupLabel: label,
            files: scanner.files
        )
        return BaseBackupSummary(serverVersion: facts[0], physical: physical, databases: databases, backupManifest: scanner.backupManifest)
    }

    /// Every database of the cluster with its tables, sizes and row estimates.
    ///
    /// Row counts come from `pg_class.reltuples` (the planner's estimate, refreshed by ANALYZE
    /// and autovacuum); a table never analyzed (-1) that is at most 16 MiB is counted exactly,
    /// which is cheap; a larger one reports -1 (unknown). A database the role cannot connect
    /// to (an external server's) is listed without tables; a table it cannot read keeps the estimate.
    private func contents() async throws -> [DatabaseContents] {
        let names = try await execute("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname;", failure: .dumpFailed)
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        var result: [DatabaseContents] = []
        for name in names {
            guard let rows = try? await execute(
                """
                SELECT pg_database_size(current_database());
                SELECT n.nspname, c.relname, pg_table_size(c.oid), CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE -1 END
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
                ORDER BY 1, 2;
                """, database: name, failure: .dumpFailed
            ).split(separator: "\n").map(String.init) else {
                result.append(DatabaseContents(name: name, bytes: 0, tables: []))
                continue
            }
            let size = Int64(rows.first ?? "") ?? 0
            var tables: [TableContents] = []
            for line in rows.dropFirst() {
                let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 4 else { continue }
                var table = TableContents(schema: fields[0], name: fields[1], bytes: Int64(fields[2]) ?? 0, rows: Int64(fields[3]) ?? -1, rowsAreEstimates: true)
                if table.rows < 0 && table.bytes <= 16 << 20 {
                    let counted = try? await execute(
                        "SELECT count(*) FROM :\"schema\".:\"table\";", database: name, variables: ["schema": table.schema, "table": table.name], failure: .dumpFailed
                    )
                    if let count = Int64((counted ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) {
                        table.rows = count
                        table.rowsAreEstimates = false
                    }
                }
                tables.append(table)
            }
            result.append(DatabaseContents(name: name, bytes: size, tables: tables))
        }
        return result
    }
}
