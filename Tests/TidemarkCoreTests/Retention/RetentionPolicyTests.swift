import Foundation
import Testing
import TidemarkCore
import TidemarkTesting

@Suite struct RetentionPolicyTests {
    private let now = utc("2026-11-21T12:00:00Z")

    private func automatic(_ id: String, _ time: String) -> RetentionCandidate {
        RetentionCandidate(id: id, takenAt: utc(time), trigger: .automatic)
    }

    private func table(_ decisions: [RetentionDecision]) -> [String] {
        decisions.map { "\($0.backupID) \($0.reason)" }
    }

    @Test("count-based: the last backup of each of the last N days, months and years, with reasons")
    func countBased() {
        let policy = RetentionPolicy.counting("p", daily: 3, monthly: 2, yearly: 2)
        let candidates = [
            automatic("a", "2026-11-21T03:00:00Z"),
            automatic("b", "2026-11-20T23:00:00Z"),
            automatic("c", "2026-11-20T03:00:00Z"),
            automatic("d", "2026-11-19T03:00:00Z"),
            automatic("e", "2026-11-18T03:00:00Z"),
            automatic("f", "2026-10-31T03:00:00Z"),
            automatic("g", "2026-10-30T03:00:00Z"),
            automatic("h", "2026-09-30T03:00:00Z"),
            automatic("i", "2025-12-31T03:00:00Z"),
            automatic("j", "2024-12-31T03:00:00Z"),
        ]
        #expect(
            table(policy.evaluate(candidates, now: now)) == [
                "a kept: daily 2026-11-21, monthly 2026-11, yearly 2026",
                "b kept: daily 2026-11-20",
                "c deleted: not the last backup of 2026-11-20",
                "d kept: daily 2026-11-19",
                "e deleted: not the last backup of 2026-11",
                "f kept: monthly 2026-10",
                "g deleted: not the last backup of 2026-10",
                "h deleted: not the last backup of 2026",
                "i kept: yearly 2025",
                "j deleted: beyond 3 daily, 2 monthly, 2 yearly",
            ]
        )
    }

    @Test("expiry is when the longest-lived reason runs out")
    func expiry() {
        let policy = RetentionPolicy.counting("p", daily: 3, monthly: 2, yearly: 2)
        let decisions = policy.evaluate(
            [automatic("a", "2026-11-21T03:00:00Z"), automatic("b", "2026-11-20T23:00:00Z"), automatic("f", "2026-10-31T03:00:00Z"), automatic("x", "2020-01-01T00:00:00Z")],
            now: now
        )
        // a: yearly 2026 with 2 years → kept until 2028-01-01; b: daily, 3 days from 2026-11-20.
        #expect(decisions[0].expiresAt == utc("2028-01-01T00:00:00Z"))
        #expect(decisions[1].expiresAt == utc("2026-11-23T00:00:00Z"))
        #expect(decisions[2].expiresAt == utc("2026-12-01T00:00:00Z"))
        #expect(decisions[3].expiresAt == now)
    }

    @Test("the defaults keep 30 daily backups of a daily schedule, then monthly ones")
    func defaults() {
        let policy = RetentionPolicy(name: "default")
        #expect(policy.within == 86_400 && policy.hourly == 24 && policy.daily == 30 && policy.monthly == 12 && policy.yearly == 6 && policy.keepsFinal)
        let daily = (0..<100).map { day in
            RetentionCandidate(id: "d\(day)", takenAt: now.addingTimeInterval(-Double(day) * 86_400 - 3_600), trigger: .automatic)
        }
        let decisions = policy.evaluate(daily, now: now)
        let kept = decisions.filter(\.keeps).map(\.backupID)
        // 30 days (d0…d29), plus the last backup of August, September and October that are
        // older than the daily window: Oct 31 = d21 (already daily), Sep 30 = d52, Aug 31 = d82.
        #expect(kept == (0..<30).map { "d\($0)" } + ["d52", "d82"])
    }

    @Test("day-based: younger than N days")
    func dayBased() {
        let policy = RetentionPolicy(name: "p", days: 7)
        #expect(
            table(policy.evaluate([automatic("new", "2026-11-20T12:00:00Z"), automatic("edge", "2026-11-14T12:00:01Z"), automatic("old", "2026-11-14T12:00:00Z")], now: now)) == [
                "new kept: within 7 days",
                "edge kept: within 7 days",
                "old deleted: older than 7 days",
            ]
        )
    }

    @Test("manual backups are never deleted; final backups follow keep-final")
    func manualAndFinal() {
        let old = utc("2001-01-01T00:00:00Z")
        let candidates = [
            RetentionCandidate(id: "m", takenAt: old, trigger: .manual),
            RetentionCandidate(id: "f", takenAt: old, trigger: .final),
        ]
        #expect(table(RetentionPolicy(name: "p", days: 1).evaluate(candidates, now: now)) == ["m kept: manual backup", "f kept: final backup"])
        #expect(
            table(RetentionPolicy(name: "p", days: 1, keepsFinal: false).evaluate(candidates, now: now)) == [
                "m kept: manual backup", "f deleted: policy p does not keep final backups",
            ]
        )
        #expect(RetentionPolicy(name: "p").evaluate(candidates, now: now).allSatisfy { $0.expiresAt == nil })
    }

    @Test("policies that keep nothing are rejected")
    func validation() {
        #expect(throws: (any Error).self) { try RetentionPolicy.counting("p").validate() }
        #expect(throws: (any Error).self) { try RetentionPolicy.counting("p", hourly: -1).validate() }
        #expect(throws: (any Error).self) { try RetentionPolicy.counting("p", within: -60).validate() }
        #expect(throws: Never.self) { try RetentionPolicy.counting("p", within: 3_600).validate() }
        #expect(throws: Never.self) { try RetentionPolicy.counting("p", last: 1).validate() }
        #expect(throws: (any Error).self) { try RetentionPolicy(name: "p", daily: -1).validate() }
        #expect(throws: (any Error).self) { try RetentionPolicy(name: "p", days: 0).validate() }
        #expect(throws: Never.self) { try RetentionPolicy(name: "p", daily: 1, monthly: 0, yearly: 0).validate() }
    }
}
