package import Foundation

/// One WAL file in a database's archive, as listed from the repository.
package struct ArchivedWAL: Sendable, Equatable {
    package var name: WALFileName
    /// When PostgreSQL last wrote the file (its modification time when pushed): every commit
    /// in it is older.
    package var writtenAt: Date
    package var key: String
    package var size: Int64
    /// A snapshot of the segment still being written (`<segment>.partial`, uploaded by the
    /// receiver of an external server): valid WAL up to somewhere inside, zeros after. It can
    /// only end a run; recovery replays it as the segment and ends where its WAL ends.
    package var isPartial: Bool

    package init(name: WALFileName, writtenAt: Date, key: String, size: Int64, isPartial: Bool = false) {
        self.name = name
        self.writtenAt = writtenAt
        self.key = key
        self.size = size
        self.isPartial = isPartial
    }
}

/// A base backup as far as point-in-time recovery is concerned.
package struct RecoveryBase: Sendable, Equatable {
    package var backupID: String
    package var timeline: UInt32
    /// The segment holding the backup's start and stop LSNs.
    package var startSegment: WALFileName
    package var stopSegment: WALFileName
    /// When the backup was consistent: the earliest moment it can be recovered to.
    package var stoppedAt: Date

    package init(backupID: String, timeline: UInt32, startSegment: WALFileName, stopSegment: WALFileName, stoppedAt: Date) {
        self.backupID = backupID
        self.timeline = timeline
        self.startSegment = startSegment
        self.stopSegment = stopSegment
        self.stoppedAt = stoppedAt
    }
}

/// A stretch of time any second of which can be restored (SPEC §4.8).
package struct RecoveryRange: Sendable, Equatable, Codable {
    package var timeline: UInt32
    package var earliest: Date
    package var latest: Date

    package init(timeline: UInt32, earliest: Date, latest: Date) {
        self.timeline = timeline
        self.earliest = earliest
        self.latest = latest
    }
}

/// What a restore to a moment needs: the base backup to start from and the archived WAL to
/// replay after it, proven contiguous.
package struct RecoveryPlan: Sendable, Equatable {
    package var base: RecoveryBase
    /// Archived WAL from the backup's stop segment to the end of its contiguous run (the
    /// server stops at the first commit after a target and asks for no more), plus the
    /// history files of the timelines up to the backup's; in the order PostgreSQL asks for them.
    package var files: [ArchivedWAL]
    /// The newest moment this plan reaches.
    package var reaches: Date
}

/// The recovery window of one database: computed from its base backups and its WAL archive,
/// per timeline, a gap splitting a range in two (as WAL-G's `wal-verify` reports MISSING_LOST).
///
/// A base backup taken with `-X fetch` holds the WAL up to its stop segment; from there the
/// archive must hold every segment without a hole. The newest restorable time of a run of
/// segments is the time its last segment was written.
package struct RecoveryWindow: Sendable {
    package let bases: [RecoveryBase]
    /// The cluster's `wal_segment_size`.
    package let segmentSize: Int
    /// Segments per timeline, by segment number.
    private let segments: [UInt32: [UInt64: ArchivedWAL]]
    /// The newest partial snapshot per timeline and segment number.
    private let partials: [UInt32: [UInt64: ArchivedWAL]]
    private let histories: [UInt32: ArchivedWAL]

    package init(bases: [RecoveryBase], archive: [ArchivedWAL], segmentSize: Int = 16 << 20) {
        self.bases = bases.sorted { $0.stoppedAt < $1.stoppedAt }
        self.segmentSize = segmentSize
        var segments: [UInt32: [UInt64: ArchivedWAL]] = [:]
        var partials: [UInt32: [UInt64: ArchivedWAL]] = [:]
        var histories: [UInt32: ArchivedWAL] = [:]
        for file in archive {
            if let number = file.name.segmentNumber, file.isPartial {
                if let kept = partials[file.name.timeline]?[number], kept.writtenAt >= file.writtenAt { continue }
                partials[file.name.timeline, default: [:]][number] = file
            } else if let number = file.name.segmentNumber {
                segments[file.name.timeline, default: [:]][number] = file
            } else {
                histories[file.name.timeline] = file
            }
        }
        self.segments = segments
        self.partials = partials
        self.histories = histories
    }

    /// The contiguous archived segments from `base`'s stop segment on, ended by the partial
    /// snapshot of the next segment when there is one; empty when the archive does not hold
    /// the stop segment.
    package func run(from base: RecoveryBase) -> [ArchivedWAL] {
        guard var number = base.stopSegment.segmentNumber else { return [] }
        let timeline = segments[base.timeline] ?? [:]
        var run: [ArchivedWAL] = []
        while let file = timeline[number] {
            run.append(file)
            number += 1
        }
        if let partial = partials[base.timeline]?[number] { run.append(partial) }
        return run
    }

    /// The restorable ranges, oldest first; empty when no base backup has archived WAL after it.
    package var ranges: [RecoveryRange] {
        var ranges: [RecoveryRange] = []
        for base in bases {
            guard let last = run(from: base).last else { continue }
            let range = RecoveryRange(timeline: base.timeline, earliest: base.stoppedAt, latest: max(base.stoppedAt, last.writtenAt))
            if let index = ranges.lastIndex(where: { $0.timeline == range.timeline }), ranges[index].latest >= range.earliest {
                ranges[index].latest = max(ranges[index].latest, range.latest)
            } else {
                ranges.append(range)
            }
        }
        // Whole seconds inside the range, so that a time copied from the window is accepted.
        return ranges.compactMap { range -> RecoveryRange? in
            let earliest = Date(timeIntervalSince1970: range.earliest.timeIntervalSince1970.rounded(.up))
            let latest = Date(timeIntervalSince1970: range.latest.timeIntervalSince1970.rounded(.down))
            return earliest <= latest ? RecoveryRange(timeline: range.timeline, earliest: earliest, latest: latest) : nil
        }.sorted { ($0.earliest, $0.timeline) < ($1.earliest, $1.timeline) }
    }

    /// What a restore to `target` (nil: as late as the archive goes) replays.
    /// - Parameter backupID: start from this base backup only (nil: the newest that reaches).
    /// - Throws: `TidemarkError` `outside-recovery-window` naming the window.
    package func plan(to target: Date?, backupID: String? = nil) throws -> RecoveryPlan {
        var best: RecoveryPlan?
        for base in bases.reversed() where backupID == nil || base.backupID == backupID {
            let run = run(from: base)
            guard let last = run.last else { continue }
            let reaches = max(base.stoppedAt, last.writtenAt)
            if let target {
                guard base.stoppedAt <= target, target <= reaches else { continue }
                // The whole run, not only up to the segment holding the target: PostgreSQL
                // stops at the first commit after the target, which can be segments later (the
                // target's segment may hold only autovacuum WAL). Cut short, it would end
                // recovery "before the target was reached" and the restore would replay twice.
                best = RecoveryPlan(base: base, files: historyFiles(upTo: base.timeline) + run, reaches: reaches)
                break
            }
            if best == nil || reaches > best!.reaches {
                best = RecoveryPlan(base: base, files: historyFiles(upTo: base.timeline) + run, reaches: reaches)
            }
        }
        guard let best else {
            let window = ranges
            let described = window.isEmpty
                ? "there is no recovery window yet (no base backup with archived WAL after it)"
                : "the recovery window is " + window.map { "\(HumanFormat.timestamp($0.earliest)) .. \(HumanFormat.timestamp($0.latest)) (timeline \($0.timeline))" }.joined(separator: ", ")
            throw TidemarkError(
                code: "outside-recovery-window",
                message: (target.map { "\(HumanFormat.timestamp($0)) cannot be restored" } ?? "nothing can be restored to a point in time")
                    + (backupID.map { " from backup \($0)" } ?? "") + ": \(described)",
                hint: window.isEmpty
                    ? "Enable archiving with 'tidemark plan set DB --method physical --pitr' and take a base backup."
                    : "Choose a time inside the window ('tidemark plan show DB').",
                category: .invalidInput
            )
        }
        return best
    }

    /// The first missing segment of every hole in the archive after a base backup's stop
    /// segment, on the base backups' timelines, whose next stored segment was written before
    /// `cutoff`: uploads run in parallel, so a hole is only a gap once the segments after it
    /// had time to be joined by the missing one.
    package func gaps(settledBefore cutoff: Date) -> [WALFileName] {
        var found: [WALFileName] = []
        for timeline in Set(bases.map(\.timeline)).sorted() {
            let stops = bases.filter { $0.timeline == timeline }.map(\.stopSegment)
            guard let reference = stops.min(), let start = reference.segmentNumber,
                  let stored = segments[timeline], let last = stored.keys.max(), last > start
            else { continue }
            var number = start
            while number < last {
                if stored[number] == nil {
                    var next = number
                    while stored[next] == nil { next += 1 }
                    if let after = stored[next], after.writtenAt < cutoff, let name = reference.segment(number) { found.append(name) }
                    number = next
                }
                number += 1
            }
        }
        return found
    }

    private func historyFiles(upTo timeline: UInt32) -> [ArchivedWAL] {
        histories.filter { $0.key <= timeline }.sorted { $0.key < $1.key }.map(\.value)
    }
}
