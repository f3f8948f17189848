package import Foundation

extension RetentionPolicy {
    /// Decides, for the completed backups of one database in one storage, which to keep and why.
    ///
    /// Pure: `now` is passed in. Returns one decision per candidate, in the candidates' order.
    /// Every rule a backup satisfies is named in its reason (`kept: within 1d, hourly
    /// 2026-11-21T10, daily 2026-11-21`); its expiry is when the longest-lived one runs out.
    package func evaluate(_ candidates: [RetentionCandidate], now: Date) -> [RetentionDecision] {
        var keptBy: [String: [(reason: String, until: Date?)]] = [:]
        let newestFirst = candidates.filter { ($0.trigger == .automatic || $0.trigger == .copy) && $0.takenAt <= now }.sorted { $0.takenAt > $1.takenAt }
        if days == nil {
            for candidate in newestFirst.prefix(last) {
                // The newest N stay whatever their age; no clock ends that, only newer backups.
                keptBy[candidate.id, default: []].append(("last \(last)", nil))
            }
            if let within {
                for candidate in newestFirst where now.timeIntervalSince(candidate.takenAt) < within {
                    keptBy[candidate.id, default: []].append(("within \(RetentionDuration.text(within))", candidate.takenAt.addingTimeInterval(within)))
                }
            }
            let current = WallTime(secondsSinceEpoch: Int64(now.timeIntervalSince1970.rounded(.down)))
            for period in RetentionPeriod.allCases {
                let count = period.count(in: self)
                guard count > 0 else { continue }
                let newest = period.index(of: current)
                var seen = Set<Int>()
                for candidate in newestFirst {
                    let taken = WallTime(secondsSinceEpoch: Int64(candidate.takenAt.timeIntervalSince1970.rounded(.down)))
                    let index = period.index(of: taken)
                    guard newest - index < count, !seen.contains(index) else { continue }
                    seen.insert(index)
                    keptBy[candidate.id, default: []].append((period.label(of: taken), period.start(ofIndex: index + count)))
                }
            }
        }
        return candidates.map { candidate in decision(for: candidate, keptBy: keptBy[candidate.id], now: now) }
    }

    private func decision(for candidate: RetentionCandidate, keptBy: [(reason: String, until: Date?)]?, now: Date) -> RetentionDecision {
        let id = candidate.id
        switch candidate.trigger {
        case .manual:
            return RetentionDecision(backupID: id, keeps: true, reason: "kept: manual backup", expiresAt: nil)
        case .final:
            if keepsFinal { return RetentionDecision(backupID: id, keeps: true, reason: "kept: final backup", expiresAt: nil) }
            return RetentionDecision(backupID: id, keeps: false, reason: "deleted: policy \(name) does not keep final backups", expiresAt: now)
        case .automatic, .copy:
            break
        }
        if candidate.takenAt > now {
            return RetentionDecision(backupID: id, keeps: true, reason: "kept: taken after the evaluation time", expiresAt: nil)
        }
        if let days {
            let expiry = candidate.takenAt.addingTimeInterval(TimeInterval(days) * 86_400)
            if expiry > now {
                return RetentionDecision(backupID: id, keeps: true, reason: "kept: within \(days) day\(days == 1 ? "" : "s")", expiresAt: expiry)
            }
            return RetentionDecision(backupID: id, keeps: false, reason: "deleted: older than \(days) day\(days == 1 ? "" : "s")", expiresAt: now)
        }
        if let keptBy, !keptBy.isEmpty {
            // As one of the newest N a backup stays until newer backups replace it: no date.
            return RetentionDecision(
                backupID: id,
                keeps: true,
                reason: "kept: " + keptBy.map(\.reason).joined(separator: ", "),
                expiresAt: keptBy.contains { $0.until == nil } ? nil : keptBy.compactMap(\.until).max()
            )
        }
        return RetentionDecision(backupID: id, keeps: false, reason: "deleted: \(beyondReason(for: candidate, now: now))", expiresAt: now)
    }

    private func beyondReason(for candidate: RetentionCandidate, now: Date) -> String {
        let current = WallTime(secondsSinceEpoch: Int64(now.timeIntervalSince1970.rounded(.down)))
        let taken = WallTime(secondsSinceEpoch: Int64(candidate.takenAt.timeIntervalSince1970.rounded(.down)))
        // Inside a period's window but not its last backup: say which period it lost to.
        for period in RetentionPeriod.allCases where period.count(in: self) > 0 {
            if period.index(of: current) - period.index(of: taken) < period.count(in: self) {
                return "not the last backup of \(period.label(of: taken).drop { $0 != " " }.dropFirst())"
            }
        }
        var rules = countRules
        if let within { rules.insert("within \(RetentionDuration.text(within))", at: 0) }
        return "beyond " + rules.joined(separator: ", ")
    }
}

/// A calendar period retention counts in (UTC; weeks start on Monday, as ISO 8601 weeks).
private enum RetentionPeriod: CaseIterable {
    case hour, day, week, month, year

    func count(in policy: RetentionPolicy) -> Int {
        switch self {
        case .hour: policy.hourly
        case .day: policy.daily
        case .week: policy.weekly
        case .month: policy.monthly
        case .year: policy.yearly
        }
    }

    /// A number that grows by one per period.
    func index(of wall: WallTime) -> Int {
        switch self {
        case .hour: wall.daysSinceEpoch * 24 + wall.hour
        case .day: wall.daysSinceEpoch
        // 1970-01-01 was a Thursday; +3 puts Mondays on multiples of 7.
        case .week: (wall.daysSinceEpoch + 3).floorDiv(7)
        case .month: wall.year * 12 + wall.month - 1
        case .year: wall.year
        }
    }

    /// The instant the period with `index` starts.
    func start(ofIndex index: Int) -> Date {
        let seconds: Int64
        switch self {
        case .hour: seconds = Int64(index) * 3_600
        case .day: seconds = Int64(index) * 86_400
        case .week: seconds = Int64(index * 7 - 3) * 86_400
        case .month: seconds = WallTime(year: index.floorDiv(12), month: index - index.floorDiv(12) * 12 + 1, day: 1).secondsSinceEpoch
        case .year: seconds = WallTime(year: index, month: 1, day: 1).secondsSinceEpoch
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    func label(of wall: WallTime) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        switch self {
        case .hour: return "hourly \(wall.year)-\(two(wall.month))-\(two(wall.day))T\(two(wall.hour))"
        case .day: return "daily \(wall.year)-\(two(wall.month))-\(two(wall.day))"
        case .week:
            // The ISO week-year is the year of the week's Thursday.
            let thursday = WallTime(secondsSinceEpoch: Int64(index(of: wall) * 7) * 86_400)
            let januaryFirst = WallTime(year: thursday.year, month: 1, day: 1)
            let week = (thursday.daysSinceEpoch - januaryFirst.daysSinceEpoch) / 7 + 1
            return "weekly \(thursday.year)-W\(two(week))"
        case .month: return "monthly \(wall.year)-\(two(wall.month))"
        case .year: return "yearly \(wall.year)"
        }
    }
}

extension Int {
    fileprivate func floorDiv(_ divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
