import Foundation
import Testing
import TidemarkCore
import TidemarkTesting

/// Issue 14, item 11: the tiers users of restic and Databasus expect (last, hourly, weekly,
/// within), and a default policy that never deletes a scheduled backup younger than a day.
/// Decisions are compared with golden files (restic's `testdata/policy_keep_snapshots_*`):
/// `UPDATE_GOLDEN=1 swift test --filter RetentionTiersTests` rewrites them, to be reviewed.
@Suite struct RetentionTiersTests {
    private let now = utc("2026-11-21T12:30:00Z")

    /// Automatic backups every `every` seconds going back `span` seconds from `now`, newest first.
    private func schedule(every: TimeInterval, span: TimeInterval, offset: TimeInterval = 0) -> [RetentionCandidate] {
        stride(from: offset, to: span, by: every).map { age in
            let taken = now.addingTimeInterval(-age)
            return RetentionCandidate(id: Self.stamp(taken), takenAt: taken, trigger: .automatic)
        }
    }

    private static func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime]
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        return formatter.string(from: date)
    }

    /// One line per decision: id, keep or delete, reason, expiry.
    private func render(_ policy: RetentionPolicy, _ candidates: [RetentionCandidate]) -> String {
        policy.evaluate(candidates, now: now).map { decision in
            "\(decision.backupID)  \(decision.keeps ? "keep  " : "delete")  \(decision.reason)  expires \(decision.expiresAt.map(Self.stamp) ?? "never")"
        }.joined(separator: "\n") + "\n"
    }

    private func expectGolden(_ name: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name).txt").path
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == golden, "decisions differ from Golden/\(name).txt", sourceLocation: sourceLocation)
    }

    @Test("default policy, hourly schedule over three days: the last day whole, then the last backup of each day")
    func defaultPolicyHourly() throws {
        try expectGolden("default-hourly", render(RetentionPolicy(name: "default"), schedule(every: 3_600, span: 3 * 86_400, offset: 1_800)))
    }

    @Test("the default policy deletes no scheduled backup younger than a day, at any schedule")
    func defaultKeepsTheLastDay() {
        let policy = RetentionPolicy(name: "default")
        for every in [60.0, 900, 3_600, 7_200, 21_600] {
            let candidates = schedule(every: every, span: 2 * 86_400, offset: 7)
            for (candidate, decision) in zip(candidates, policy.evaluate(candidates, now: now)) where now.timeIntervalSince(candidate.takenAt) < 86_400 {
                #expect(decision.keeps, "every \(Int(every)) s: \(candidate.id) \(decision.reason)")
            }
        }
    }

    @Test("last, hourly, weekly and within together, with every reason named")
    func mixedTiers() throws {
        let policy = RetentionPolicy.counting("mixed", last: 3, hourly: 4, weekly: 3, within: 5_400)
        try expectGolden("mixed-tiers", render(policy, schedule(every: 5_400, span: 24 * 86_400, offset: 600)))
    }

    @Test("weeks start on Monday and are named by ISO week, also across a year's end")
    func isoWeeks() throws {
        let policy = RetentionPolicy.counting("weeks", weekly: 60)
        let days = ["2026-12-27T10:00:00Z", "2026-12-28T10:00:00Z", "2027-01-03T10:00:00Z", "2027-01-04T10:00:00Z", "2025-12-29T10:00:00Z", "2026-01-04T23:00:00Z"]
        let candidates = days.map { RetentionCandidate(id: $0, takenAt: utc($0), trigger: .automatic) }
        let decisions = policy.evaluate(candidates, now: utc("2027-01-05T00:00:00Z"))
        #expect(decisions.map(\.reason) == [
            "kept: weekly 2026-W52",
            "deleted: not the last backup of 2026-W53",
            "kept: weekly 2026-W53",
            "kept: weekly 2027-W01",
            "deleted: not the last backup of 2026-W01",
            "kept: weekly 2026-W01",
        ])
    }

    @Test("durations for --within parse and print back")
    func durations() throws {
        #expect(try RetentionDuration.parse("2d") == 172_800)
        #expect(try RetentionDuration.parse("1d12h") == 129_600)
        #expect(try RetentionDuration.parse("1w") == 604_800)
        #expect(try RetentionDuration.parse("90min") == 5_400)
        #expect(try RetentionDuration.parse("0") == 0)
        #expect(RetentionDuration.text(129_600) == "1d12h")
        #expect(RetentionDuration.text(5_400) == "1h30min")
        for bad in ["", "2", "2m", "d", "2y", "-1d", "1.5d", "2d x"] {
            #expect(throws: TidemarkError.self, "\(bad)") { try RetentionDuration.parse(bad) }
        }
    }
}
