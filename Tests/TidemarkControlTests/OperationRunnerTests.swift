import Foundation
import Testing
import TidemarkCatalog
@testable import TidemarkControl
import TidemarkCore
import TidemarkTesting

/// The runner end to end on the scripted server: records, steps, outcomes, stored requests.
@Suite struct OperationRunnerTests {
    @Test("a foreground backup and restore complete, their steps are the jobs' declared steps, and the restore publishes its staging database")
    func backupAndRestore() async throws {
        try await ControlHarness.with { (harness: ControlHarness) async throws in
            let backup = try await harness.control.backups.create(database: "shop")
            #expect(backup.status == .completed)
            let restored = try await harness.control.restores.start(RestoreRequest(backupID: backup.id, newName: "copy"))
            #expect(restored.operation.status == .completed)
            #expect(harness.engine.restoredBytes(of: "copy") == Array("-- scripted dump\n".utf8))
            #expect(!harness.engine.databases.contains { $0.hasPrefix("tidemark_restore_") })
            for (operation, steps) in [(backup.operationID ?? "", BackupJob.steps), (restored.operation.id, RestoreJob.steps)] {
                let logged = try await harness.control.operations.logs(id: operation).compactMap { line in
                    line.message.hasPrefix("step: ") ? String(line.message.dropFirst(6)) : nil
                }
                #expect(!logged.isEmpty)
                #expect(logged.allSatisfy(steps.contains), "\(logged) not in \(steps)")
            }
            let stored = try #require(try await harness.catalog.operation(id: restored.operation.id))
            #expect(stored.request.version == StoredRequest.currentVersion)
            #expect(try RestoreRequest(from: stored).stagingDatabase == "tidemark_restore_\(stored.id)")
        }
    }

    @Test("a queued operation runs when claimed, with the stored typed request")
    func queuedRunsWhenClaimed() async throws {
        try await ControlHarness.with { (harness: ControlHarness) async throws in
            let queued = try await harness.control.backups.enqueue(database: "shop")
            #expect(queued.maxAttempts == 2)
            #expect(try BackupRequest(from: queued).storage == "local1")
            let claimed = try #require(try await harness.control.operations.claimNext())
            let finished = try await harness.control.operations.runClaimed(claimed)
            #expect(finished.status == .completed)
            #expect(try await harness.backups().map(\.status) == [.completed])
        }
    }

    @Test("requests stored before they were typed (version 1) are still read", arguments: [
        (OperationKind.backup, #"{"database":"shop","storage":"local1","trigger":"automatic","backupId":"b1"}"#),
        (.restore, #"{"backupId":"b1","newName":"n","table":"public.t","skipMissingForeignKeys":"true","skipMissingSequences":"false","skipMissingViews":"false"}"#),
        (.verify, #"{"backupId":"b1","readData":"true"}"#),
        (.purge, #"{"backupId":"b1"}"#),
        (.retention, #"{"database":"shop"}"#),
        (.retention, #"{}"#),
    ])
    func legacyRequests(kind: OperationKind, json: String) throws {
        let record = OperationRecord(id: "op1", kind: kind, database: "shop", backupID: "b1", summary: "old", createdAt: Date(), request: StoredRequest(version: 1, json: json))
        switch kind {
        case .backup:
            #expect(try BackupRequest(from: record) == BackupRequest(database: "shop", storage: "local1", trigger: .automatic, backupID: "b1"))
        case .restore:
            let request = try RestoreRequest(from: record)
            #expect(request.table == "public.t")
            #expect(request.options == RestoreOptions(skipMissingForeignKeys: true))
        case .verify: #expect(try VerifyRequest(from: record) == VerifyRequest(backupID: "b1", readData: true))
        case .purge: #expect(try PurgeRequest(from: record) == PurgeRequest(backupID: "b1"))
        default: #expect(try RetentionRequest(from: record).database == (json == "{}" ? nil : "shop"))
        }
    }

    @Test("an operation whose request cannot be read fails with invalid-operation instead of running")
    func unreadableRequest() async throws {
        try await ControlHarness.with { (harness: ControlHarness) async throws in
            let record = OperationRecord(
                id: Identifier.make(), kind: .verify, maxAttempts: 1, summary: "from the future", createdAt: harness.time.now,
                request: StoredRequest(version: 99, json: "{}")
            )
            try await harness.catalog.insertOperation(record)
            let claimed = try #require(try await harness.control.operations.claimNext())
            let finished = try await harness.control.operations.runClaimed(claimed)
            #expect(finished.status == .failed)
            #expect(finished.lastError?.code == "invalid-operation")
        }
    }

    @Test("prune deletes old finished operations with their logs, keeps recent ones, running ones and those that made a backup")
    func prune() async throws {
        try await ControlHarness.with { (harness: ControlHarness) async throws in
            let backup = try await harness.control.backups.create(database: "shop")
            let old = try await harness.control.backups.enqueueVerify(id: backup.id, readData: false)
            let cancelled = try await harness.control.operations.cancel(id: old.id)
            #expect(cancelled.status == .cancelled)
            let running = try await harness.control.backups.enqueuePurge(id: backup.id)
            harness.time.advance(by: 100 * 86_400)
            let recent = try await harness.control.backups.enqueueVerify(id: backup.id, readData: false)
            _ = try await harness.control.operations.cancel(id: recent.id)
            let before = Set(try await harness.operations().map(\.id))
            // The backup's own retention run finished long ago too.
            let (counts, operation) = try await harness.control.operations.prune(olderThanDays: 90)
            let after = Set(try await harness.operations().map(\.id))
            #expect(after.contains(backup.operationID ?? ""))
            #expect(after.contains(running.id))
            #expect(after.contains(recent.id))
            #expect(after.contains(operation.id))
            #expect(!after.contains(old.id))
            #expect(counts.operations == before.count - after.count + 1)
            #expect(counts.logLines > 0)
            #expect(try await harness.control.operations.logs(id: recent.id).isEmpty == false)
            #expect(operation.result["operations"] == "\(counts.operations)")
            #expect(try await harness.backups().map(\.id) == [backup.id])
        }
    }
}
