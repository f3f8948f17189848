import Foundation
import Testing
@testable import TidemarkControl
import TidemarkCore
import TidemarkRepository
import TidemarkTesting

/// Retention of archived WAL (issue 17 item 4): the real repository and catalog with recorded
/// physical backups and real WAL objects (synthetic bytes), a manual clock moved over days.
/// Old WAL goes; what the kept base backups and the `pitrDays` window need never does.
@Suite struct WALRetentionTests {
    let namespace = "0123456789ab"
    let segmentSize = 16 << 20

    func segmentName(_ number: Int) -> String {
        String(format: "00000001%08X%08X", number / 256, number % 256)
    }

    func lsn(_ number: Int, offset: Int = 0x28) -> String {
        let position = number * segmentSize + offset
        return String(format: "%X/%X", position >> 32, position & 0xFFFF_FFFF)
    }

    /// A completed physical backup of `shop` whose WAL starts in segment `start`, ended at `stoppedAt`.
    func physicalBackup(_ id: String, start: Int, stoppedAt: Date) -> BackupRecord {
        var info = PhysicalBackupInfo(
            startLSN: lsn(start), stopLSN: lsn(start, offset: 0x138), startedAt: stoppedAt.addingTimeInterval(-10), stoppedAt: stoppedAt,
            timeline: 1, systemIdentifier: "7000000000000000001", dataChecksums: true, walSegmentSize: segmentSize, includesWAL: true,
            backupLabel: "", files: 1
        )
        info.walNamespace = namespace
        return BackupRecord(
            id: id, database: "shop", storage: "local1", status: .completed, trigger: .automatic, method: .physical, engine: .postgres,
            startedAt: stoppedAt.addingTimeInterval(-10), finishedAt: stoppedAt, physical: info
        )
    }

    func archived(_ harness: ControlHarness) async throws -> [Int] {
        let repository = try await harness.control.openRepository(try await harness.control.storage(named: "local1"))
        return try await repository.listWAL(namespace: namespace, segmentSize: segmentSize).compactMap { $0.name.segmentNumber.map(Int.init) }
    }

    @Test("retention keeps the base backup the pitr-days window starts from and the WAL after its start, deletes older WAL, and a dry run names what would go")
    func walFollowsTheKeptBases() async throws {
        try await ControlHarness.with { harness in
            let control = harness.control
            let day: TimeInterval = 86_400
            let now = harness.time.now
            var database = try #require(try await harness.catalog.database(named: "shop"))
            database.walStreaming = WALStreaming(namespace: namespace)
            try await harness.catalog.updateDatabase(database)
            try await harness.catalog.savePolicy(RetentionPolicy(name: "lean", last: 1, hourly: 0, daily: 0, monthly: 0, yearly: 0, within: nil, pitrDays: 1))
            try await harness.catalog.savePlan(PlanRecord(
                database: "shop", storage: "local1", schedule: "@daily", policy: "lean", method: .physical, pitr: true, nextRunAt: nil, createdAt: now, updatedAt: now
            ))
            // Segments 1-12, one every 6 hours from 3 days ago; base backups starting in 2, 5 and 9.
            let repository = try await control.openRepository(try await control.storage(named: "local1"))
            for number in 1...12 {
                let written = now.addingTimeInterval(-3 * day + Double(number) * 6 * 3600)
                _ = try await repository.pushWAL(namespace: namespace, name: segmentName(number), contents: Array(repeating: UInt8(number), count: 4096), writtenAt: written)
            }
            for backup in [
                physicalBackup("b1", start: 2, stoppedAt: now.addingTimeInterval(-3 * day + 2 * 6 * 3600 + 60)),
                physicalBackup("b2", start: 5, stoppedAt: now.addingTimeInterval(-3 * day + 5 * 6 * 3600 + 60)),
                physicalBackup("b3", start: 9, stoppedAt: now.addingTimeInterval(-3 * day + 9 * 6 * 3600 + 60)),
            ] {
                try await harness.catalog.insertBackup(backup)
            }

            // b3 (newest, --last 1) and b2 (ended before the 1-day window's start: its base) stay.
            let preview = try await control.plans.setPolicy(named: "lean", PolicyChange(pitrDays: 1), dryRun: true)
            #expect(preview.deletions.map(\.backup.id) == ["b1"])
            #expect(preview.walDeletions == [WALDeletion(database: "shop", files: 4, bytes: preview.walDeletions.first?.bytes ?? 0)], "\(preview.walDeletions)")
            #expect(try await archived(harness) == Array(1...12), "a dry run deletes nothing")

            _ = try await control.plans.applyRetention()
            #expect(try await harness.backups().map(\.id).sorted() == ["b2", "b3"])
            #expect(try await archived(harness) == Array(5...12), "WAL from the oldest kept base's start on stays")
            let window = try await control.walArchive.window(database: "shop")
            #expect(window.first?.earliest == Date(timeIntervalSince1970: (now.addingTimeInterval(-3 * day + 5 * 6 * 3600 + 60).timeIntervalSince1970).rounded(.up)))

            // Two days later b3 ended before the window's start: it is the base now, b2 goes.
            harness.time.advance(by: 2 * day)
            _ = try await control.plans.applyRetention()
            #expect(try await harness.backups().map(\.id) == ["b3"])
            #expect(try await archived(harness) == Array(9...12))

            // A longer window than any base backup: the oldest base stays (the window reaches
            // back as far as the archive allows), and so does its WAL.
            try await harness.catalog.insertBackup(physicalBackup("b4", start: 11, stoppedAt: harness.time.now.addingTimeInterval(-60)))
            _ = try await control.plans.setPolicy(named: "lean", PolicyChange(pitrDays: 30), confirm: true)
            _ = try await control.plans.applyRetention()
            #expect(try await harness.backups().map(\.id).sorted() == ["b3", "b4"])
            #expect(try await archived(harness) == Array(9...12))
        }
    }
}
