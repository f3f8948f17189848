package import Foundation
import Logging
package import TidemarkCore

/// One backup with what retention decided for it.
package struct RetentionItem: Sendable {
    package var backup: BackupRecord
    package var decision: RetentionDecision
}

/// What a retention run deleted.
package struct RetentionResult: Sendable {
    package var operation: OperationRecord
    package var deleted: [RetentionItem]
    package var kept: [RetentionItem]
}

extension PlanService {
    /// Retention decisions for the completed backups of `database` (all when nil), evaluated per
    /// database and storage with each database's plan policy (`default` without a plan).
    /// - Parameter override: evaluate backups whose plan uses `override.name` with these
    ///   settings instead (a policy change before it is saved).
    package func retentionDecisions(database: String? = nil, override: RetentionPolicy? = nil) async throws -> [RetentionItem] {
        let backups = try await catalog.backups(matching: BackupFilter(database: database, status: .completed))
        return try await decisions(for: backups, override: override)
    }

    /// `expiresAt` for each backup under the current policies (nil: kept forever or not completed).
    ///
    /// Reads what the last retention evaluation stored; only completed backups not evaluated
    /// since they were recorded (just finished, or from before expiries were stored) are
    /// evaluated now, with the other backups of their database.
    package func expiries(of backups: [BackupRecord]) async throws -> [String: Date] {
        var result: [String: Date] = [:]
        var unknown: Set<String> = []
        for backup in backups where backup.status == .completed {
            switch backup.storedExpiry {
            case .at(let date): result[backup.id] = date
            case .never: break
            case .unknown: unknown.insert(backup.database)
            }
        }
        guard !unknown.isEmpty else { return result }
        var all: [BackupRecord] = []
        // Expiry depends on the other backups of the same database (the last of a day is kept).
        for database in unknown {
            all += try await catalog.backups(matching: BackupFilter(database: database, status: .completed))
        }
        let wanted = Set(backups.map(\.id))
        for item in try await decisions(for: all, override: nil) where wanted.contains(item.backup.id) {
            if let expiry = item.decision.expiresAt { result[item.backup.id] = expiry }
        }
        return result
    }

    /// Evaluates retention for `database` (all when nil) and stores each backup's expiry,
    /// deleting nothing: after a policy or plan change that deletes no backup. A backup the
    /// policy no longer keeps stores the evaluation time (due for deletion at the next run).
    package func refreshExpiries(database: String? = nil) async throws {
        try await recordExpiries(of: try await retentionDecisions(database: database))
    }

    /// `refreshExpiries`, logging instead of failing the change that asked for it: the next
    /// retention run stores them again.
    func refreshExpiriesLogging(database: String?) async {
        do {
            try await refreshExpiries(database: database)
        } catch {
            logger.warning("could not store expiry dates for \(database ?? "all databases"): \(ErrorInfo(error).message)")
        }
    }

    func recordExpiries(of items: [RetentionItem]) async throws {
        var expiries: [String: Date?] = [:]
        for item in items { expiries[item.backup.id] = item.decision.expiresAt }
        try await catalog.recordExpiries(expiries)
    }

    private func decisions(for backups: [BackupRecord], override: RetentionPolicy?) async throws -> [RetentionItem] {
        let time = now()
        var policies: [String: RetentionPolicy] = [:]
        for policy in try await catalog.policies() { policies[policy.name] = policy }
        if let override { policies[override.name] = override }
        // Only the plans of the databases involved: an API page of 50 backups must not read
        // every plan of a 10,000-database fleet.
        var planPolicy: [String: String] = [:]
        var archiving: Set<String> = []
        for database in Set(backups.map(\.database)) {
            if let plan = try await catalog.plan(database: database) {
                planPolicy[database] = plan.policy
                if plan.pitr { archiving.insert(database) }
            }
        }
        let groups = Dictionary(grouping: backups.filter { $0.status == .completed }) { "\($0.database)\u{0}\($0.storage)" }
        var items: [RetentionItem] = []
        for key in groups.keys.sorted() {
            guard let group = groups[key], let first = group.first else { continue }
            let name = planPolicy[first.database] ?? RetentionPolicy.defaultName
            let policy = policies[name] ?? RetentionPolicy(name: RetentionPolicy.defaultName)
            let candidates = group.map { RetentionCandidate(id: $0.id, takenAt: $0.startedAt, trigger: $0.trigger) }
            var evaluated = policy.evaluate(candidates, now: time)
            if archiving.contains(first.database) {
                Self.keepRecoveryBase(of: group, decisions: &evaluated, days: policy.pitrDays ?? RetentionPolicy.defaultPITRDays, now: time)
            }
            for (backup, decision) in zip(group, evaluated) {
                items.append(RetentionItem(backup: backup, decision: decision))
            }
        }
        return items.sorted { $0.backup.startedAt > $1.backup.startedAt }
    }

    /// Keeps the base backup a `days`-long recovery window starts from: the newest physical
    /// backup that ended before the window's start (Barman's RECOVERY WINDOW rule), or, while
    /// every base backup is younger than that, the oldest one (the window then reaches back as
    /// far as it can). Newer base backups follow the policy; the WAL after this one is kept by
    /// ``WALArchiveService``.
    static func keepRecoveryBase(of group: [BackupRecord], decisions: inout [RetentionDecision], days: Int, now: Date) {
        let start = now.addingTimeInterval(-Double(days) * 86_400)
        let bases = group.enumerated().compactMap { entry -> (index: Int, stoppedAt: Date)? in
            guard let info = entry.element.physical, info.walNamespace != nil else { return nil }
            return (entry.offset, info.stoppedAt)
        }.sorted { $0.stoppedAt < $1.stoppedAt }
        guard let anchor = bases.last(where: { $0.stoppedAt <= start }) ?? bases.first else { return }
        guard !decisions[anchor.index].keeps || decisions[anchor.index].expiresAt != nil else { return }
        // Superseded when the next base backup is older than the window's start.
        let next = bases.first { $0.stoppedAt > anchor.stoppedAt }
        decisions[anchor.index] = RetentionDecision(
            backupID: group[anchor.index].id, keeps: true, reason: "kept: base of the \(days)-day recovery window",
            expiresAt: next.map { $0.stoppedAt.addingTimeInterval(Double(days) * 86_400) }
        )
    }

    /// Deletes what the retention policies no longer keep, as a `retention` operation run now
    /// (``RetentionJob``).
    /// - Parameter database: limit to one database (after its backup); nil for all.
    package func applyRetention(database: String? = nil, observer: OperationObserver? = nil) async throws -> RetentionResult {
        try await runner.run(RetentionJob(), RetentionRequest(database: database), observer: observer)
    }

    /// Queues a retention run for `serve`.
    package func enqueueRetention(database: String? = nil) async throws -> OperationRecord {
        try await runner.enqueue(RetentionJob(), RetentionRequest(database: database))
    }

    /// Runs retention after a successful backup; a failure is logged, never turned into a
    /// failed backup (the next run catches up).
    func applyRetentionAfterBackup(database: String) async {
        do {
            _ = try await applyRetention(database: database)
        } catch {
            logger.warning("retention after the backup of \(database) failed: \(ErrorInfo(error).message)")
        }
    }
}
