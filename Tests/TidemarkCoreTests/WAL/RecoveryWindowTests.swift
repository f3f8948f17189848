import Foundation
import Testing
import TidemarkCore

/// The recovery window and the choice of base backup and WAL for a point-in-time restore, as
/// values: segment names, runs of archived segments, gaps, targets in and outside the window.
@Suite struct RecoveryWindowTests {
    let size = 16 << 20
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func segment(_ number: UInt64, timeline: UInt32 = 1, at seconds: Double) throws -> ArchivedWAL {
        let name = try #require(WALFileName(timeline: timeline, lsn: String(format: "%X/%X", number * UInt64(size) >> 32, (number * UInt64(size)) & 0xFFFF_FFFF), segmentSize: size))
        return ArchivedWAL(name: name, writtenAt: t0.addingTimeInterval(seconds), key: "wal/ns/\(name)", size: 100)
    }

    func base(_ id: String, start: UInt64, stop: UInt64, at seconds: Double, timeline: UInt32 = 1) throws -> RecoveryBase {
        let startName = try #require(WALFileName(timeline: timeline, lsn: String(format: "0/%X", start * UInt64(size) + 0x28), segmentSize: size))
        let stopName = try #require(WALFileName(timeline: timeline, lsn: String(format: "0/%X", stop * UInt64(size) + 0x100), segmentSize: size))
        return RecoveryBase(backupID: id, timeline: timeline, startSegment: startName, stopSegment: stopName, stoppedAt: t0.addingTimeInterval(seconds))
    }

    @Test("segment names parse, print and step as PostgreSQL writes them")
    func names() throws {
        let name = try #require(WALFileName("0000000100000002000000FF", segmentSize: size))
        #expect(name.timeline == 1 && name.segmentNumber == 2 * 256 + 255)
        #expect(name.next?.description == "000000010000000300000000")
        #expect(WALFileName(timeline: 2, lsn: "3/2A000028", segmentSize: size)?.description == "00000002000000030000002A")
        #expect(WALFileName("00000002.history", segmentSize: size)?.kind == .history)
        #expect(WALFileName("000000010000000000000003.00000028.backup", segmentSize: size) == nil)
        #expect(WALFileName("000000010000000000000100", segmentSize: size) == nil, "a 16 MiB log has 256 segments")
        #expect(WALFileName("000000010000000000000100", segmentSize: 1 << 20) != nil)
        #expect(WALFileName("00000000000000000000000Z", segmentSize: size) == nil)
    }

    @Test("the window runs from a base backup's end to the last contiguous segment; a gap splits it")
    func ranges() throws {
        let archive = try [segment(3, at: 5), segment(4, at: 60), segment(5, at: 120), segment(7, at: 240), segment(8, at: 300)]
        let window = RecoveryWindow(bases: [try base("a", start: 3, stop: 3, at: 2), try base("b", start: 7, stop: 7, at: 200)], archive: archive)
        #expect(window.ranges == [
            RecoveryRange(timeline: 1, earliest: t0.addingTimeInterval(2), latest: t0.addingTimeInterval(120)),
            RecoveryRange(timeline: 1, earliest: t0.addingTimeInterval(200), latest: t0.addingTimeInterval(300)),
        ])
        let plan = try window.plan(to: t0.addingTimeInterval(90))
        #expect(plan.base.backupID == "a")
        #expect(plan.files.map(\.name.description) == ["000000010000000000000003", "000000010000000000000004", "000000010000000000000005"], "the whole run after the base, where the gap ends it")
        let later = try window.plan(to: t0.addingTimeInterval(230))
        #expect(later.files.map(\.name.description) == ["000000010000000000000007", "000000010000000000000008"], "segments after the target's are offered: the server stops at the first commit after it")
        #expect(try window.plan(to: nil).base.backupID == "b")
        #expect(try window.plan(to: nil).files.count == 2)
        // In the gap, before the first backup, after the end: refused with the window named.
        for seconds in [150.0, 1, 301] {
            #expect(throws: TidemarkError.self) { try window.plan(to: t0.addingTimeInterval(seconds)) }
        }
        do {
            _ = try window.plan(to: t0.addingTimeInterval(150))
        } catch let error as TidemarkError {
            #expect(error.code == "outside-recovery-window")
            #expect(error.message.contains(HumanFormat.timestamp(t0.addingTimeInterval(200))), "\(error.message)")
        }
        #expect(throws: TidemarkError.self) { try window.plan(to: t0.addingTimeInterval(250), backupID: "a") }
    }

    @Test("a backup whose stop segment is not archived has no window; history files come first")
    func edges() throws {
        let history = ArchivedWAL(name: WALFileName.history(of: 2, segmentSize: size), writtenAt: t0, key: "wal/ns/h", size: 10)
        let window = RecoveryWindow(bases: [try base("x", start: 9, stop: 9, at: 10, timeline: 2)], archive: [history, try segment(10, timeline: 2, at: 20)])
        #expect(window.ranges.isEmpty)
        let covered = RecoveryWindow(bases: [try base("y", start: 9, stop: 9, at: 10, timeline: 2)], archive: [history, try segment(9, timeline: 2, at: 12), try segment(10, timeline: 2, at: 20)])
        #expect(covered.ranges == [RecoveryRange(timeline: 2, earliest: t0.addingTimeInterval(10), latest: t0.addingTimeInterval(20))])
        #expect(try covered.plan(to: nil).files.map(\.name.description) == ["00000002.history", "000000020000000000000009", "00000002000000000000000A"])
        #expect(RecoveryWindow(bases: [], archive: []).ranges.isEmpty)
    }

    @Test("restore points parse from 'latest' and ISO 8601 with an offset, and round-trip")
    func points() throws {
        #expect(try RestorePoint(parsing: "latest") == .latest)
        let point = try RestorePoint(parsing: "2026-12-01T10:42:00.250+01:00")
        #expect(point.date == Date(timeIntervalSince1970: 1_796_118_120.25))
        #expect(try RestorePoint(parsing: point.description) == point)
        #expect(throws: TidemarkError.self) { try RestorePoint(parsing: "2026-12-01 10:42") }
        #expect(throws: TidemarkError.self) { try RestorePoint(parsing: "yesterday") }
    }

    @Test("a partial snapshot of the segment being received ends a run: the newest one counts, a complete segment wins, and it never bridges a gap")
    func partialSnapshots() throws {
        func partial(_ number: UInt64, at seconds: Double) throws -> ArchivedWAL {
            var file = try segment(number, at: seconds)
            file.isPartial = true
            file.key += ".partial-\(Int(seconds))"
            return file
        }
        let archive = try [segment(3, at: 5), segment(4, at: 60), partial(5, at: 70), partial(5, at: 90), partial(7, at: 400)]
        let window = RecoveryWindow(bases: [try base("a", start: 3, stop: 3, at: 2)], archive: archive)
        #expect(window.ranges == [RecoveryRange(timeline: 1, earliest: t0.addingTimeInterval(2), latest: t0.addingTimeInterval(90))])
        let latest = try window.plan(to: nil)
        #expect(latest.files.map(\.name.description) == ["000000010000000000000003", "000000010000000000000004", "000000010000000000000005"])
        #expect(latest.files.last?.isPartial == true && latest.files.last?.key.hasSuffix("-90") == true, "the newest snapshot is replayed as the segment")
        // Once segment 5 is complete it replaces its snapshots, and the run goes on from it.
        let completed = RecoveryWindow(bases: [try base("a", start: 3, stop: 3, at: 2)], archive: archive + [try segment(5, at: 95), try partial(6, at: 99)])
        #expect(completed.ranges.first?.latest == t0.addingTimeInterval(99))
        #expect(try completed.plan(to: nil).files.map(\.isPartial) == [false, false, false, true])
    }

    @Test("a gap is a segment missing after a base backup's stop segment once the segment after the hole has settled; holes before the base and at the end are none")
    func gaps() throws {
        let archive = try [segment(2, at: 1), segment(4, at: 60), segment(5, at: 70), segment(8, at: 100), segment(11, at: 290)]
        let window = RecoveryWindow(bases: [try base("a", start: 4, stop: 4, at: 50)], archive: archive)
        // 3 is before the base; 6-7 is a hole whose next segment (8) settled; 9-10 not yet.
        #expect(window.gaps(settledBefore: t0.addingTimeInterval(200)).map(\.description) == ["000000010000000000000006"])
        #expect(window.gaps(settledBefore: t0.addingTimeInterval(300)).map(\.description) == ["000000010000000000000006", "000000010000000000000009"])
        #expect(window.gaps(settledBefore: t0.addingTimeInterval(90)).isEmpty)
        let stopMissing = RecoveryWindow(bases: [try base("b", start: 3, stop: 3, at: 2)], archive: archive)
        #expect(stopMissing.gaps(settledBefore: t0.addingTimeInterval(200)).first?.description == "000000010000000000000003")
    }
}
