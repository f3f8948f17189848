package import Foundation

/// How long backups are kept (SPEC §4.3), named so several plans can share one.
///
/// Count-based by default, with Aptible's semantics and defaults: keep the last backup of each
/// of the last `daily` days, `monthly` months and `yearly` years (30 / 12 / 6), periods counted
/// on the UTC calendar including the current one. When `days` is set the policy is day-based
/// instead: keep every backup younger than `days` days. Manual backups are never deleted;
/// final backups are kept while `keepsFinal` is true.
package struct RetentionPolicy: Sendable, Equatable, Codable {
    /// The policy every plan uses unless told otherwise.
    package static let defaultName = "default"

    package var name: String
    package var daily: Int
    package var monthly: Int
    package var yearly: Int
    /// When set, the policy keeps backups younger than this many days and ignores the counts.
    package var days: Int?
    /// Whether deprovisioning takes a final backup, and whether final backups are kept.
    package var keepsFinal: Bool

    package init(name: String, daily: Int = 30, monthly: Int = 12, yearly: Int = 6, days: Int? = nil, keepsFinal: Bool = true) {
        self.name = name
        self.daily = daily
        self.monthly = monthly
        self.yearly = yearly
        self.days = days
        self.keepsFinal = keepsFinal
    }

    /// A one-line description, e.g. `30 daily, 12 monthly, 6 yearly, finals kept`.
    package var summary: String {
        let counts = days.map { "backups younger than \($0) day\($0 == 1 ? "" : "s")" } ?? "\(daily) daily, \(monthly) monthly, \(yearly) yearly"
        return "\(counts), finals \(keepsFinal ? "kept" : "not kept")"
    }

    /// Checks the numbers.
    /// - Throws: `TidemarkError` `invalid-policy` naming the setting.
    package func validate() throws {
        for (key, value) in [("daily", daily), ("monthly", monthly), ("yearly", yearly), ("days", days ?? 1)] where value < 0 {
            throw TidemarkError(code: "invalid-policy", message: "policy \(name): --\(key) \(value) is negative", hint: "Use 0 or a positive number.", category: .invalidInput)
        }
        if let days, days == 0 {
            throw TidemarkError(code: "invalid-policy", message: "policy \(name): --days 0 would delete every automatic backup", hint: "Use --days 1 or more.", category: .invalidInput)
        }
        if days == nil && daily + monthly + yearly == 0 {
            throw TidemarkError(
                code: "invalid-policy",
                message: "policy \(name) keeps no automatic backups (daily, monthly and yearly are all 0)",
                hint: "Set --daily, --monthly or --yearly to at least 1, or use --days N.",
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
    /// When the backup falls out of the policy if nothing else changes; nil when kept forever.
    package var expiresAt: Date?

    package init(backupID: String, keeps: Bool, reason: String, expiresAt: Date?) {
        self.backupID = backupID
        self.keeps = keeps
        self.reason = reason
        self.expiresAt = expiresAt
    }
}
