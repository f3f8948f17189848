import Foundation
import Testing
import TidemarkCatalog
import TidemarkCore
import TidemarkTesting

/// Issue 14, item 4: "one queued or running backup per database" is one catalog statement, so
/// it holds for commands racing each other in separate processes (separate connections).
@Suite struct ActiveBackupRuleTests {
    private func backupOperation(_ database: String, status: OperationStatus = .pending) -> OperationRecord {
        OperationRecord(
            id: Identifier.make(), kind: .backup, status: status, database: database, backupID: Identifier.make(),
            summary: "backup \(database)", createdAt: Date()
        )
    }

    @Test("of many concurrent inserts from separate connections exactly one wins; the rest get in-use")
    func racingInserts() async throws {
        try await withTemporaryDirectory { home in
            let sealer = try SecretSealer.load(home: home, environment: [:])
            let catalogs = try (0..<8).map { _ in try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: sealer) }
            let outcomes = await withTaskGroup(of: String.self) { group in
                for (index, catalog) in catalogs.enumerated() {
                    group.addTask {
                        do {
                            try await catalog.insertOperation(self.backupOperation("shop", status: index % 2 == 0 ? .pending : .running))
                            return "inserted"
                        } catch let error as CatalogError {
                            return error.code
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "inserted" }.count == 1, "\(outcomes)")
            #expect(outcomes.filter { $0 == "in-use" }.count == 7, "\(outcomes)")
        }
    }

    @Test("other databases, other kinds and finished backups are not limited; a retry into a taken place is refused")
    func scope() async throws {
        try await withTemporaryDirectory { home in
            let catalog = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: try SecretSealer.load(home: home, environment: [:]))
            try await catalog.insertOperation(backupOperation("shop"))
            try await catalog.insertOperation(backupOperation("crm"))
            var verify = backupOperation("shop")
            verify.kind = .verify
            try await catalog.insertOperation(verify)
            var failed = backupOperation("shop", status: .failed)
            try await catalog.insertOperation(failed)
            // Queuing the failed one again (op retry) while another is queued is the same conflict.
            failed.status = .pending
            let error = await #expect(throws: CatalogError.self) { try await catalog.updateOperation(failed) }
            #expect(error?.code == "in-use")
        }
    }

    @Test("a scheduler tick that meets a backup queued meanwhile skips that run and keeps the rest of the tick")
    func scheduledRunsSkipTakenPlaces() async throws {
        try await withTemporaryDirectory { home in
            let catalog = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: try SecretSealer.load(home: home, environment: [:]))
            let now = Date()
            for name in ["shop", "crm"] {
                try await catalog.savePlan(PlanRecord(database: name, storage: "s", schedule: "@daily", policy: "default", method: .logical, isPaused: false, nextRunAt: now, lastRunAt: nil, createdAt: now, updatedAt: now))
            }
            try await catalog.insertOperation(backupOperation("shop"))
            try await catalog.recordScheduledRuns([
                ScheduledRun(database: "shop", dueAt: now, nextRunAt: now.addingTimeInterval(86_400), operation: backupOperation("shop")),
                ScheduledRun(database: "crm", dueAt: now, nextRunAt: now.addingTimeInterval(86_400), operation: backupOperation("crm")),
            ])
            let pending = try await catalog.operations(status: .pending)
            #expect(pending.filter { $0.database == "shop" }.count == 1)
            #expect(pending.filter { $0.database == "crm" }.count == 1)
            let next = try #require(try await catalog.plan(database: "shop")?.nextRunAt)
            #expect(abs(next.timeIntervalSince(now.addingTimeInterval(86_400))) < 0.001)
        }
    }
}

/// Issue 14, item 11: the new retention tiers are stored, and the default policy gains them.
@Suite struct PolicyStorageTests {
    @Test("a new catalog's default policy keeps the last day and 24 hourly backups; every tier round-trips")
    func defaultAndTiers() async throws {
        try await withTemporaryDirectory { home in
            let catalog = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: try SecretSealer.load(home: home, environment: [:]))
            let stored = try #require(try await catalog.policy(named: "default"))
            #expect(stored == RetentionPolicy(name: "default"))
            #expect(stored.summary == "within 1d, 24 hourly, 30 daily, 12 monthly, 6 yearly, finals kept")
            let custom = RetentionPolicy(name: "custom", last: 2, hourly: 3, daily: 4, weekly: 5, monthly: 6, yearly: 7, within: 7_200, keepsFinal: false)
            try await catalog.savePolicy(custom)
            #expect(try await catalog.policy(named: "custom") == custom)
            var noWithin = custom
            noWithin.within = nil
            try await catalog.savePolicy(noWithin)
            #expect(try await catalog.policy(named: "custom") == noWithin)
        }
    }
}
