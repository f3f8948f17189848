import Foundation

extension CronExpression {
    /// The schedule in words for people (the dashboard's Backups tab), e.g. "every day at
    /// 03:00 UTC" or "every Monday and Friday at 22:30 Europe/Paris".
    ///
    /// Common shapes are described exactly; anything else is "custom schedule", and the
    /// expression itself is always shown beside it.
    package var summary: String {
        let zoneName = zone.identifier == "GMT" || zone.identifier == "UTC" ? "UTC" : zone.identifier
        let everyMonth = months == Self.mask(1...12)
        let everyMinute = minutes == Self.mask(0...59)
        guard let second = Self.single(seconds), everyMonth else { return "custom schedule" }
        if everyMinute, hours == Self.mask(0...23), !isDayOfMonthRestricted, !isDayOfWeekRestricted {
            return "every minute"
        }
        guard let minute = Self.single(minutes) else {
            if let step = Self.step(minutes, in: 0...59), hours == Self.mask(0...23), !isDayOfMonthRestricted, !isDayOfWeekRestricted {
                return "every \(step) minutes"
            }
            return "custom schedule"
        }
        if hours == Self.mask(0...23), !isDayOfMonthRestricted, !isDayOfWeekRestricted {
            return "every hour at minute \(minute)"
        }
        guard let hour = Self.single(hours) else {
            if let step = Self.step(hours, in: 0...23), !isDayOfMonthRestricted, !isDayOfWeekRestricted {
                return "every \(step) hours at minute \(minute)"
            }
            return "custom schedule"
        }
        let time = "\(Self.two(hour)):\(Self.two(minute))\(second == 0 ? "" : ":\(Self.two(second))") \(zoneName)"
        switch (isDayOfMonthRestricted, isDayOfWeekRestricted) {
        case (false, false):
            return "every day at \(time)"
        case (false, true):
            let names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
            let days = (0...6).filter { daysOfWeek & (1 << UInt64($0)) != 0 }.map { names[$0] }
            if days == Array(names[1...5]) { return "every weekday at \(time)" }
            return "every \(Self.list(days)) at \(time)"
        case (true, false):
            let days = (1...31).filter { daysOfMonth & (1 << UInt64($0)) != 0 }.map(String.init)
            return "on day \(Self.list(days)) of every month at \(time)"
        case (true, true):
            return "custom schedule"
        }
    }

    private static func mask(_ range: ClosedRange<Int>) -> UInt64 {
        range.reduce(0) { $0 | (1 << UInt64($1)) }
    }

    /// The one value a mask allows, if it allows exactly one.
    private static func single(_ mask: UInt64) -> Int? {
        mask.nonzeroBitCount == 1 ? mask.trailingZeroBitCount : nil
    }

    /// `n` when the mask is 0, n, 2n, … across the whole range (a `*/n` field).
    private static func step(_ mask: UInt64, in range: ClosedRange<Int>) -> Int? {
        let values = range.filter { mask & (1 << UInt64($0)) != 0 }
        guard values.count > 1, values[0] == range.lowerBound else { return nil }
        let step = values[1] - values[0]
        guard step > 1, values == Array(stride(from: range.lowerBound, through: range.upperBound, by: step)) else { return nil }
        return step
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + (items.last ?? "")
    }
}
