import Foundation
package import TidemarkCore

extension PostgresInstanceManager {
    package func baseBackup(
        of instance: ManagedInstance,
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ bytesDone: Int64, _ bytesTotal: Int64) -> Void
    ) async throws -> BaseBackupSummary {
        let facts = try await execute(
            """
            SELECT current_setting('server_version'), (SELECT system_identifier FROM pg_control_system()),
                current_setting('data_checksums'), (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'),
                (SELECT count(*) FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global')),
                (SELECT sum(pg_database_size(oid)) FROM pg_database);
            """, on: instance
        ).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard facts.count == 6 else { throw EngineError(.dumpFailed, "unexpected answer from the instance about its cluster: \(facts.joined(separator: "|"))") }
        if facts[4] != "0" {
            throw EngineError(
                .notSupported, "this cluster has \(facts[4]) extra tablespace(s); physical backups of such clusters are not supported yet",
                hint: "Use --method logical, or move the tables into pg_default."
            )
        }
        let total = Int64(facts[5]) ?? 0
        let databases = try await contents(of: instance)

        var scanner = BaseBackupScanner()
        let (executable, arguments) = tools.bufferedOutput("pg_basebackup", [
            "-h", instance.dataDirectory, "-p", "\(instance.port)", "-U", "postgres", "--no-password",
            "-D", "-", "-F", "tar", "-X", "fetch", "--checkpoint=fast", "--label=tidemark",
        ])
        var lastReport: Int64 = 0
        let outcome = try await runner.run(ProcessCommand(executable: executable, arguments: arguments)) { buffer in
            try scanner.consume(buffer)
            try await sink(buffer)
            if scanner.bytes - lastReport >= 4 << 20 {
                lastReport = scanner.bytes
                progress(scanner.bytes, max(total, scanner.bytes))
            }
        }
        guard outcome.succeeded else {
            throw EngineError(.dumpFailed, "pg_basebackup failed (exit \(outcome.exitCode)): \(outcome.standardError.suffix(800).trimmingCharacters(in: .whitespacesAndNewlines))")
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
    /// which is cheap; a larger one reports -1 (unknown).
    private func contents(of instance: ManagedInstance) async throws -> [DatabaseContents] {
        let names = try await execute("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname;", on: instance)
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        var result: [DatabaseContents] = []
        for name in names {
            let rows = try await execute(
                """
                SELECT pg_database_size(current_database());
                SELECT n.nspname, c.relname, pg_table_size(c.oid), CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE -1 END
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
                ORDER BY 1, 2;
                """, on: instance, database: name
            ).split(separator: "\n").map(String.init)
            let size = Int64(rows.first ?? "") ?? 0
            var tables: [TableContents] = []
            for line in rows.dropFirst() {
                let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 4 else { continue }
                var table = TableContents(schema: fields[0], name: fields[1], bytes: Int64(fields[2]) ?? 0, rows: Int64(fields[3]) ?? -1, rowsAreEstimates: true)
                if table.rows < 0 && table.bytes <= 16 << 20 {
                    let counted = try await execute(
                        "SELECT count(*) FROM :\"schema\".:\"table\";", on: instance, database: name, variables: ["schema": table.schema, "table": table.name]
                    )
                    if let count = Int64(counted.trimmingCharacters(in: .whitespacesAndNewlines)) {
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

    /// Builds the instance: the tar is written straight into the data directory (``TarExtractor``),
    /// then checked with pg_verifybackup, configured and started.
    package func restore(_ instance: ManagedInstance, password: Secret<String>, recovery: RecoveryTarget?, from source: () async throws -> [UInt8]?) async throws {
        // Outside the cleanup below: a directory that already exists is not this restore's to remove.
        try prepareInstanceDirectory(instance)
        do {
            try FileManager.default.createDirectory(atPath: instance.dataDirectory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try ownByInstanceUser(instance.dataDirectory)
            var extractor = TarExtractor(root: instance.dataDirectory, owner: try instanceUserIDs())
            do {
                while let chunk = try await source() { try extractor.consume(chunk) }
                try extractor.finish()
            } catch {
                extractor.abandon()
                throw error
            }
            let verified = try await runner.run(command("pg_verifybackup", ["--quiet", instance.dataDirectory]))
            guard verified.succeeded else {
                throw EngineError(
                    .archiveUnreadable, "pg_verifybackup rejected the restored files: \(verified.standardError.suffix(800).trimmingCharacters(in: .whitespacesAndNewlines))",
                    hint: "Run 'tidemark backup verify ID --read-data'; the backup may be damaged."
                )
            }
            for leftover in ["postmaster.pid", "postmaster.opts"] { try? FileManager.default.removeItem(atPath: "\(instance.dataDirectory)/\(leftover)") }
            try prepareRestored(instance)
            if let recovery {
                try await recover(instance, to: recovery)
            } else {
                try await start(instance)
            }
            // The restored configuration may log statements: not this one, which holds the password.
            try await execute(
                "SET log_statement = 'none'; SET log_min_duration_statement = -1; ALTER ROLE postgres PASSWORD :'password';",
                on: instance, variables: ["password": password.revealed]
            )
        } catch {
            try? await remove(instance)
            throw error
        }
    }
}

/// The fields of PostgreSQL's `backup_label` that the manifest records.
struct BackupLabel {
    var startLSN: String?
    var startTime: Date?
    var timeline: Int?

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "START WAL LOCATION": startLSN = parts[1].split(separator: " ").first.map(String.init)
            case "START TIMELINE": timeline = Int(parts[1])
            case "START TIME":
                // "2026-12-03 10:00:00 UTC": the server's log_timezone, UTC on managed instances.
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
                startTime = formatter.date(from: parts[1])
            default: break
            }
        }
    }
}

/// The WAL range of PostgreSQL's `backup_manifest` (`WAL-Ranges`, one entry without a timeline switch).
struct WALRange {
    var timeline: Int
    var startLSN: String
    var endLSN: String

    init(manifest: [UInt8]) throws {
        struct Manifest: Decodable {
            struct Range: Decodable {
                var timeline: Int
                var startLSN: String
                var endLSN: String
                enum CodingKeys: String, CodingKey {
                    case timeline = "Timeline"
                    case startLSN = "Start-LSN"
                    case endLSN = "End-LSN"
                }
            }
            var ranges: [Range]
            enum CodingKeys: String, CodingKey { case ranges = "WAL-Ranges" }
        }
        guard let decoded = try? JSONDecoder().decode(Manifest.self, from: Data(manifest)), let last = decoded.ranges.last, let first = decoded.ranges.first else {
            throw EngineError(.dumpFailed, "pg_basebackup's backup_manifest has no readable WAL-Ranges")
        }
        timeline = last.timeline
        startLSN = first.startLSN
        endLSN = last.endLSN
    }
}
