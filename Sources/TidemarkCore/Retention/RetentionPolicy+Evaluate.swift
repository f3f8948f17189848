package import Foundation

extension RetentionPolicy {
    /// Decides, for the completed backups of one database in one storage, which to keep and why.
    ///
    /// Pure: `now` is passed in. Returns one decision per candidate, in the candidates' order.
    package func evaluate(_ candidates: [RetentionCandidate], now: Date) -> [RetentionDecision] {
        var keptBy: [String: [(reason: String, until: Date)]] = [:]
        let newestFirst = candidates.filter { $0.trigger == .automatic || $0.trigger == .copy }.sorted { $0.takenAt > $1.takenAt }
        if days == nil {
            let today = WallTime(secondsSinceEpoch: Int64(now.timeIntervalSince1970.rounded(.down)))
            for period in Period.allCases {
                let count = period.count(in: self)
                guard count > 0 else { continue }
                let newest = period.index(of: today)
                var seen = Set<Int>()
                for candidate in newestFirst where candidate.takenAt <= now {
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

    private func decision(for candidate: RetentionCandidate, keptBy: [(reason: String, until: Date)]?, now: Date) -> RetentionDecision {
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
            return RetentionDecision(
                backupID: id,
                keeps: true,
                reason: "kept: " + keptBy.map(\.reason).joined(separator: ", "),
                expiresAt: keptBy.map(\.until).max()
            )
        }
        return RetentionDecision(backupID: id, keeps: false, reason: "deleted: \(beyondReason(for: candidate, now: now))", expiresAt: now)
    }

    private func beyondReason(for candidate: RetentionCandidate, now: Date) -> String {
        let today = WallTime(secondsSinceEpoch: Int64(now.timeIntervalSince1970.rounded(.down)))
        let taken = WallTime(secondsSinceEpoch: Int64(candidate.takenAt.timeIntervalSince1970.rounded(.down)))
        if daily > 0 && Period.day.index(of: today) - Period.day.index(of: taken) < daily {
            return "not the last backup of \(Period.day.label(of: taken).dropFirst("daily ".count))"
        }
        let counts = [(daily, "daily"), (monthly, "monthly"), (yearly, "yearly")].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        return "beyond " + counts.joined(separator: ", ")
    }
}

/// A calendar period retention counts in (UTC).
private enum Period: CaseIterable {
    case day, month, year

    func count(in policy: RetentionPolicy) -> Int {
        switch self {
        case .day: policy.daily
        case .month: policy.monthly
        case .year: policy.yearly
        }
    }

    /// A number that grows by one per period.
    func index(of wall: WallTime) -> Int {
        switch self {
        case .day: wall.daysSinceEpoch
        case .month: wall.year * 12 + wall.month - 1
        case .year: wall.year
        }
    }

    /// The instant the period with `index` starts.
    func start(ofIndex index: Int) -> Date {
        let wall: WallTime
        switch self {
        case .day: wall = WallTime(secondsSinceEpoch: Int64(index) * 86_400)
        case .month: wall = WallTime(year: index.floorDiv(12), month: index - index.floorDiv(12) * 12 + 1, day: 1)
        case .year: wall = WallTime(year: index, month: 1, day: 1)
        }
        return Date(timeIntervalSince1970: TimeInterval(wall.secondsSinceEpoch))
    }

    func label(of wall: WallTime) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        switch self {
        case .day: return "daily \(wall.year)-\(two(wall.month))-\(two(wall.day))"
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
