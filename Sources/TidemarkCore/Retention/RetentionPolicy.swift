package import Foundation

/// How long backups are kept (SPEC §4.3), named so several plans can share one.
///
/// Count-based by default, with the tiers restic and Databasus users know: keep the `last` N
/// backups, and the last backup of each of the last N hours, days, weeks, months and years,
/// periods counted on the UTC calendar including the current one (weeks start on Monday, ISO
/// 8601); `within` keeps every backup younger than that. The default policy keeps everything of
/// the last day, then 24 hourly, 30 daily, 12 monthly and 6 yearly backups: 24 calendar hours
/// span only 23–24 hours and keep one backup per hour, so `within` 1 day is what guarantees that
/// no scheduled backup younger than a day is deleted, whatever the schedule. When `days` is set
/// the policy is day-based instead: keep every backup younger than `days` days. Manual backups
/// are never deleted; final backups are kept while `keepsFinal` is true.
package struct RetentionPolicy: Sendable, Equatable, Codable {
    /// The policy every plan uses unless told otherwise.
    package static let defaultName = "default"
    /// The largest count or number of days a policy may give (a bound for clients and the API).
    package static let maximumCount = 100_000
    /// `within` of the default policy: one day.
    package static let defaultWithin: TimeInterval = 86_400

    package var name: String
    /// The newest N automatic backups are kept whatever their age.
    package var last: Int
    package var hourly: Int
    package var daily: Int
    package var weekly: Int
    package var monthly: Int
    package var yearly: Int
    /// Every backup younger than this many seconds is kept (nil: no such rule).
    package var within: TimeInterval?
    /// When set, the policy keeps backups younger than this many days and ignores the counts.
    package var days: Int?
    /// Whether deprovisioning takes a final backup, and whether final backups are kept.
    package var keepsFinal: Bool
    /// Days of point-in-time recovery kept for plans that archive WAL (nil: `defaultPITRDays`).
    package var pitrDays: Int?
    /// One day of WAL unless a policy says otherwise (Aptible's default).
    package static let defaultPITRDays = 1

    package init(
        name: String,
        last: Int = 0,
        hourly: Int = 24,
        daily: Int = 30,
        weekly: Int = 0,
        monthly: Int = 12,
        yearly: Int = 6,
        within: TimeInterval? = RetentionPolicy.defaultWithin,
        days: Int? = nil,
        keepsFinal: Bool = true,
        pitrDays: Int? = nil
    ) {
        self.name = name
        self.last = last
        self.hourly = hourly
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.yearly = yearly
        self.within = within
        self.days = days
        self.keepsFinal = keepsFinal
        self.pitrDays = pitrDays
    }

    /// A count-only policy: tiers not given are 0 and nothing is kept by age (tests, tables).
    package static func counting(
        _ name: String, last: Int = 0, hourly: Int = 0, daily: Int = 0, weekly: Int = 0, monthly: Int = 0, yearly: Int = 0,
        within: TimeInterval? = nil, keepsFinal: Bool = true
    ) -> RetentionPolicy {
        RetentionPolicy(name: name, last: last, hourly: hourly, daily: daily, weekly: weekly, monthly: monthly, yearly: yearly, within: within, keepsFinal: keepsFinal)
    }

    /// The count tiers in order, with their names as flags and reasons use them.
    package var tiers: [(name: String, count: Int)] {
        [("last", last), ("hourly", hourly), ("daily", daily), ("weekly", weekly), ("monthly", monthly), ("yearly", yearly)]
    }

    /// The count tiers in use as words: `last 3`, `24 hourly`, `30 daily`.
    package var countRules: [String] {
        tiers.filter { $0.count > 0 }.map { $0.name == "last" ? "last \($0.count)" : "\($0.count) \($0.name)" }
    }

    /// A one-line description, e.g. `within 1d, 24 hourly, 30 daily, 12 monthly, 6 yearly, finals kept`.
    package var summary: String {
        let rules: String
        if let days {
            rules = "backups younger than \(days) day\(days == 1 ? "" : "s")"
        } else {
            var parts = within.map { ["within \(RetentionDuration.text($0))"] } ?? []
            parts += countRules
            rules = parts.isEmpty ? "nothing kept" : parts.joined(separator: ", ")
        }
        return "\(rules), finals \(keepsFinal ? "kept" : "not kept")" + (pitrDays.map { ", \($0) day\($0 == 1 ? "" : "s") of point-in-time recovery" } ?? "")
    }

    /// Checks the numbers.
    /// - Throws: `TidemarkError` `invalid-policy` naming the setting.
    package func validate() throws {
        for (key, value) in tiers + [("days", days ?? 1), ("pitr-days", pitrDays ?? 1)] where value < 0 || value > Self.maximumCount {
            throw TidemarkError(
                code: "invalid-policy", message: "policy \(name): --\(key) \(value) is \(value < 0 ? "negative" : "more than \(Self.maximumCount)")",
                hint: "Use a number from 0 to \(Self.maximumCount).", category: .invalidInput
            )
        }
        if let within, within <= 0 || !within.isFinite {
            throw TidemarkError(code: "invalid-policy", message: "policy \(name): --within must be a positive duration", hint: "Use e.g. --within 2d, or --within 0 to remove the rule.", category: .invalidInput)
        }
        if pitrDays == 0 {
            throw TidemarkError(code: "invalid-policy", message: "policy \(name): --pitr-days 0 would keep no recovery window", hint: "Use --pitr-days 1 or more, or turn archiving off with 'plan set DB --no-pitr'.", category: .invalidInput)
        }
        if let days, days == 0 {
            throw TidemarkError(code: "invalid-policy", message: "policy \(name): --days 0 would delete every automatic backup", hint: "Use --days 1 or more.", category: .invalidInput)
        }
        if days == nil && within == nil && tiers.allSatisfy({ $0.count == 0 }) {
            throw TidemarkError(
                code: "invalid-policy",
                message: "policy \(name) keeps no automatic backups (every count is 0 and there is no --within)",
                hint: "Set --last, --hourly, --daily, --weekly, --monthly or --yearly to at least 1, or use --within DURATION or --days N.",
                category: .invalidInput
            )
        }
    }
}

/// A backup as retention sees it.
package struct RetentionCandidate: Sendable, Equatable {
    package var id: String
    /// The time the data is from (the backup's start).
    package var takenAt: Date
    package var trigger: BackupTrigger

    package init(id: String, takenAt: Date, trigger: BackupTrigger) {
        self.id = id
        self.takenAt = takenAt
        self.trigger = trigger
    }
}

/// What retention decided for one backup, and why.
package struct RetentionDecision: Sendable, Equatable {
    package var backupID: String
    package var keeps: Bool
    /// `kept: monthly 2026-10`, `deleted: beyond 30 daily`.
    package var reason: String
    /// When the backup falls out of the policy if nothing else changes; nil when kept forever
    /// (manual, kept final, or kept only as one of the `last` N, which no clock ends).
    package var expiresAt: Date?

    package init(backupID: String, keeps: Bool, reason: String, expiresAt: Date?) {
        self.backupID = backupID
        self.keeps = keeps
        self.reason = reason
        self.expiresAt = expiresAt
    }
}
