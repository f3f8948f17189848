package import Foundation

extension CronExpression {
    /// The first time strictly after `date` that matches, or nil if none does within 400 years
    /// (e.g. `0 0 0 30 FEB *`).
    ///
    /// The search runs on the zone's wall clock, then maps back to an instant:
    /// - a wall time skipped by a daylight-saving jump (02:30 on the spring-forward night in
    ///   Europe/Berlin) runs at the first instant after the jump (03:00), so a daily backup is
    ///   never silently dropped;
    /// - a wall time that happens twice (01:30 on the fall-back night) runs once, at the first
    ///   occurrence.
    package func nextRun(after date: Date) -> Date? {
        let afterSeconds = Int64(date.timeIntervalSince1970.rounded(.down))
        // Wall times already passed on a fall-back night map to instants not after `date`;
        // the loop skips them.
        var wall = WallTime(secondsSinceEpoch: afterSeconds + Int64(zone.secondsFromGMT(for: date))).advanced(bySeconds: 1)
        var iterations = 0
        while let candidate = nextMatch(from: wall), iterations < 1_000 {
            iterations += 1
            if let instant = instant(of: candidate), instant > afterSeconds {
                return Date(timeIntervalSince1970: TimeInterval(instant))
            }
            wall = candidate.advanced(bySeconds: 1)
        }
        return nil
    }

    /// The first wall time at or after `start` whose fields all match.
    private func nextMatch(from start: WallTime) -> WallTime? {
        var wall = start
        let lastYear = start.year + 400
        while wall.year <= lastYear {
            if months & (1 << UInt64(wall.month)) == 0 {
                wall = wall.startOfNextMonth()
                continue
            }
            if !dayMatches(wall) {
                wall = wall.startOfNextDay()
                continue
            }
            if hours & (1 << UInt64(wall.hour)) == 0 {
                wall = wall.startOfNextHour()
                continue
            }
            if minutes & (1 << UInt64(wall.minute)) == 0 {
                wall = wall.startOfNextMinute()
                continue
            }
            if seconds & (1 << UInt64(wall.second)) == 0 {
                wall = wall.advanced(bySeconds: 1)
                continue
            }
            return wall
        }
        return nil
    }

    private func dayMatches(_ wall: WallTime) -> Bool {
        let dayOfMonth = daysOfMonth & (1 << UInt64(wall.day)) != 0
        let dayOfWeek = daysOfWeek & (1 << UInt64(wall.weekday)) != 0
        if isDayOfMonthRestricted && isDayOfWeekRestricted { return dayOfMonth || dayOfWeek }
        return dayOfMonth && dayOfWeek
    }

    /// The earliest instant (seconds since the epoch) showing `wall` in the zone, or the end of
    /// the daylight-saving gap that swallowed it.
    private func instant(of wall: WallTime) -> Int64? {
        let naive = wall.secondsSinceEpoch
        let before = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive - 86_400))))
        let after = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive + 86_400))))
        let candidates = Set([naive - before, naive - after]).sorted()
        for candidate in candidates where Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(candidate)))) == naive - candidate {
            return candidate
        }
        // In a gap: run when the clock jumps past it.
        let searchFrom = Date(timeIntervalSince1970: TimeInterval(min(naive - before, naive - after) - 1))
        return zone.nextDaylightSavingTimeTransition(after: searchFrom).map { Int64($0.timeIntervalSince1970) }
    }
}

/// A wall-clock date and time on the proleptic Gregorian calendar, without a zone.
struct WallTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The wall time `seconds` after 1970-01-01 00:00:00.
    init(secondsSinceEpoch seconds: Int64) {
        let days = Int(seconds.floorDivided(by: 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        hour = secondOfDay / 3_600
        minute = secondOfDay % 3_600 / 60
        second = secondOfDay % 60
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    var secondsSinceEpoch: Int64 { Int64(daysSinceEpoch) * 86_400 + Int64(hour * 3_600 + minute * 60 + second) }

    /// 0 = Sunday.
    var weekday: Int { (daysSinceEpoch % 7 + 11) % 7 }

    func advanced(bySeconds seconds: Int64) -> WallTime { WallTime(secondsSinceEpoch: secondsSinceEpoch + seconds) }
    func startOfNextMinute() -> WallTime { WallTime(secondsSinceEpoch: secondsSinceEpoch - Int64(second) + 60) }
    func startOfNextHour() -> WallTime { WallTime(secondsSinceEpoch: secondsSinceEpoch - Int64(minute * 60 + second) + 3_600) }
    func startOfNextDay() -> WallTime { WallTime(secondsSinceEpoch: Int64(daysSinceEpoch + 1) * 86_400) }
    func startOfNextMonth() -> WallTime {
        month == 12 ? WallTime(year: year + 1, month: 1, day: 1) : WallTime(year: year, month: month + 1, day: 1)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
