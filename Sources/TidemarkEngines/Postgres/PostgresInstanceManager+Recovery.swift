import Foundation
package import TidemarkCore

/// Point-in-time recovery of a restored data directory (SPEC §4.8), written after the pitfalls
/// WAVE2 §A3/A4 lists: `pg_ctl -w` returning 0 although recovery later failed, a target time
/// after the last commit ending recovery with FATAL, and connection FATALs during start-up that
/// are not failures.
extension PostgresInstanceManager {
    /// Starts the restored instance in archive recovery and waits until it has promoted.
    /// - Throws: `EngineError` `restore-failed` with the server's FATAL lines.
    func recover(_ instance: ManagedInstance, to target: RecoveryTarget) async throws {
        var target = target
        let logPath = "\(Self.instanceDirectory(of: instance))/server.log"
        while true {
            try configure(instance, recovery: target)
            try writeOwned("", to: "\(instance.dataDirectory)/recovery.signal")
            let logStart = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0
            // pg_ctl -w returns once a hot standby accepts connections, or fails when recovery
            // stopped first; either way the log and pg_is_in_recovery() decide.
            _ = try? await runner.run(command("pg_ctl", ["-D", instance.dataDirectory, "-l", logPath, "-w", "-t", "600", "start"]))
            let promoted = await waitForPromotion(instance)
            let log = Self.logSince(logStart, path: logPath)
            let fatal = log.split(separator: "\n").filter { line in
                line.contains("FATAL:") && !Self.harmlessFatal.contains { line.contains($0) }
            }
            if promoted, fatal.isEmpty {
                break
            }
            if !promoted, target.time != nil, log.contains("recovery ended before configured recovery target was reached") {
                // No commit after the target in the archive: every commit the archive holds is
                // older than the target, so replaying all of it is the state at the target.
                await stopImmediately(instance)
                target.time = nil
                continue
            }
            await stopImmediately(instance)
            let detail = fatal.isEmpty ? String(log.suffix(800)) : fatal.suffix(5).joined(separator: "\n")
            throw EngineError(
                .restoreFailed, "point-in-time recovery did not complete: \(detail.trimmingCharacters(in: .whitespacesAndNewlines))",
                hint: "The WAL archive may be unreachable or damaged; 'tidemark op retry' tries again once it is back."
            )
        }
        // Promoted: the recovery settings go, so a later restart is a plain start.
        try configure(instance)
        try await execute("SELECT pg_reload_conf();", on: instance)
    }

    package func heartbeat(_ instance: ManagedInstance) async throws {
        try await execute("SELECT txid_current();", on: instance)
    }

    package func archiverStatus(_ instance: ManagedInstance) async throws -> ArchiverStatus {
        let row = try await execute(
            """
            SELECT archived_count, coalesce(last_archived_wal, ''), coalesce(extract(epoch FROM last_archived_time)::text, ''),
                   failed_count, coalesce(extract(epoch FROM last_failed_time)::text, ''),
                   (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'),
                   (SELECT coalesce(extract(epoch FROM now() - min(modification)), 0) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'),
                   (SELECT coalesce(sum(size), 0) FROM pg_ls_waldir())
            FROM pg_stat_archiver;
            """, on: instance
        ).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard row.count == 8 else {
            throw EngineError(.databaseUnreachable, "pg_stat_archiver gave an unexpected row: \(row.joined(separator: "|"))")
        }
        let time = { (text: String) in Double(text).map { Date(timeIntervalSince1970: $0) } }
        return ArchiverStatus(
            archivedCount: Int(row[0]) ?? 0, lastArchivedWAL: row[1].isEmpty ? nil : row[1], lastArchivedAt: time(row[2]),
            failedCount: Int(row[3]) ?? 0, lastFailedAt: time(row[4]), waitingFiles: Int(row[5]) ?? 0,
            oldestWaitingSeconds: Double(row[6]) ?? 0, walDirectoryBytes: Int64(row[7]) ?? 0
        )
    }

    package func prepareSpool(at path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        try prepareParent(of: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try ownByInstanceUser(path)
    }

    /// Polls until the server has left recovery (true) or has stopped (false).
    private func waitForPromotion(_ instance: ManagedInstance) async -> Bool {
        while true {
            if let answer = try? await execute("SELECT pg_is_in_recovery();", on: instance), answer.trimmingCharacters(in: .whitespacesAndNewlines) == "f" {
                return true
            }
            if await status(of: instance) != .running { return false }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// FATALs that clients get while the server starts, not failures of recovery.
    static let harmlessFatal = ["the database system is starting up", "the database system is not yet accepting connections", "the database system is shutting down"]

    static func logSince(_ offset: Int, path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    /// The recovery lines of `tidemark.conf` while a restored instance replays WAL. Archiving
    /// stays as written above it: PostgreSQL archives nothing during recovery, and after the
    /// promotion the instance's own command (its own namespace) applies.
    static func recoverySettings(_ target: RecoveryTarget) -> String {
        var lines = [
            "# Point-in-time recovery; removed by Tidemark once the server has promoted.",
            "restore_command = '\(quoted(target.restoreCommand))'",
            "recovery_target_timeline = '\(target.timeline)'",
        ]
        if let time = target.time {
            lines.append("recovery_target_time = '\(postgresTimestamp(time))'")
            lines.append("recovery_target_action = 'promote'")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `2026-12-01 10:42:00.123456+00`: microseconds, with an explicit UTC offset.
    static func postgresTimestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let seconds = micros.quotientAndRemainder(dividingBy: 1_000_000)
        let fraction = String(seconds.remainder)
        let base = HumanFormat.timestamp(Date(timeIntervalSince1970: Double(seconds.quotient)))
            .replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
        return "\(base).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)+00"
    }
}
