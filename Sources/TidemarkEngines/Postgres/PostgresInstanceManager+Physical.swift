import Foundation
package import TidemarkCore

extension PostgresInstanceManager {
    package func baseBackup(
        of instance: ManagedInstance,
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ bytesDone: Int64, _ bytesTotal: Int64) -> Void
    ) async throws -> BaseBackupSummary {
        try await PostgresSession.managed(instance, runner: runner, tools: tools).baseBackup(into: sink, progress: progress)
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
