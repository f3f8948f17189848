package import Foundation

/// Formats byte counts and durations for people.
package enum HumanFormat {
    /// `1536` → `1.5 KiB`.
    package static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(count)
        var unit = 0
        while abs(value) >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(count) B" }
        let rounded = (value * 10).rounded() / 10
        return "\(rounded) \(units[unit])"
    }

    /// `75` → `1m15s`.
    package static func duration(seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return "\((seconds * 10).rounded() / 10)s" }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60)m\(String(format2: total % 60))s" }
        return "\(total / 3600)h\(String(format2: (total % 3600) / 60))m"
    }

    /// `2026-11-21T03:00:00Z` (UTC, seconds).
    package static func timestamp(_ date: Date) -> String {
        let wall = WallTime(secondsSinceEpoch: Int64(date.timeIntervalSince1970.rounded(.down)))
        let two = { (value: Int) in String(format2: value) }
        return "\(wall.year)-\(two(wall.month))-\(two(wall.day))T\(two(wall.hour)):\(two(wall.minute)):\(two(wall.second))Z"
    }

    /// A coarse distance between two times for people: `29 days`, `5h20m`, `40s`.
    package static func interval(from start: Date, to end: Date) -> String {
        let seconds = end.timeIntervalSince(start)
        if seconds >= 2 * 86_400 { return "\(Int(seconds / 86_400)) days" }
        return duration(seconds: max(0, seconds))
    }
}

extension String {
    fileprivate init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}

extension HumanFormat {
    /// `date` relative to `now` for people: "3h20m ago", "in 2 days", "just now".
    package static func relative(_ date: Date, now: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        if abs(seconds) < 5 { return "just now" }
        let distance = abs(seconds) < 60 ? "\(Int(abs(seconds)))s" : seconds < 0 ? interval(from: date, to: now) : interval(from: now, to: date)
        return seconds < 0 ? "\(distance) ago" : "in \(distance)"
    }
}

/// How a backup's expiry reads for people (`backup list`, `backup show`, the dashboard).
package enum ExpiryText {
    package static func describe(_ backup: BackupRecord, expiresAt: Date?, now: Date) -> String {
        guard backup.status == .completed else { return "-" }
        guard let expiresAt else {
            switch backup.trigger {
            case .manual: return "never (manual)"
            case .final: return "never (final)"
            // Kept as one of the newest N (`last`): no date ends it, newer backups do.
            case .automatic, .copy: return "when newer backups replace it"
            }
        }
        if expiresAt <= now { return "now (due for deletion)" }
        return "in \(HumanFormat.interval(from: now, to: expiresAt))"
    }
}
