package import Foundation
package import TidemarkCore

/// The documented JSON shape of a plan.
package struct PlanRepresentation: Encodable, Sendable {
    package var database: String
    package var storage: String
    package var schedule: String
    package var policy: String
    package var method: String
    package var paused: Bool
    package var nextRunAt: Date?
    package var lastRunAt: Date?
    /// The next few run times (empty while paused), only in `plan show`.
    package var upcomingRuns: [Date]?
    /// Continuous WAL archiving for point-in-time recovery.
    package var pitr: Bool
    /// The storage completed backups are copied to; null for none.
    package var copyTo: String?
    /// Restorable ranges per timeline, only in `plan show` (empty without archiving).
    package var recoveryWindow: [RecoveryRange]?

    package init(_ plan: PlanRecord, upcomingRuns: [Date]? = nil, recoveryWindow: [RecoveryRange]? = nil) {
        database = plan.database
        storage = plan.storage
        schedule = plan.schedule
        policy = plan.policy
        method = plan.method.rawValue
        paused = plan.isPaused
        nextRunAt = plan.nextRunAt
        lastRunAt = plan.lastRunAt
        self.upcomingRuns = upcomingRuns
        pitr = plan.pitr
        copyTo = plan.copyTo
        self.recoveryWindow = recoveryWindow
    }

    private enum CodingKeys: String, CodingKey { case database, storage, schedule, policy, method, paused, pitr, copyTo, nextRunAt, lastRunAt, upcomingRuns, recoveryWindow }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(database, forKey: .database)
        try container.encode(storage, forKey: .storage)
        try container.encode(schedule, forKey: .schedule)
        try container.encode(policy, forKey: .policy)
        try container.encode(method, forKey: .method)
        try container.encode(paused, forKey: .paused)
        try container.encode(pitr, forKey: .pitr)
        try container.encode(copyTo, forKey: .copyTo)
        try container.encode(nextRunAt, forKey: .nextRunAt)
        try container.encode(lastRunAt, forKey: .lastRunAt)
        if let upcomingRuns { try container.encode(upcomingRuns, forKey: .upcomingRuns) }
        if let recoveryWindow { try container.encode(recoveryWindow, forKey: .recoveryWindow) }
    }
}

/// The documented JSON shape of a retention policy.
package struct PolicyRepresentation: Encodable, Sendable {
    package var name: String
    package var last: Int
    package var hourly: Int
    package var daily: Int
    package var weekly: Int
    package var monthly: Int
    package var yearly: Int
    /// Keep everything younger than this (e.g. `1d`), or null.
    package var within: String?
    /// Day-based policy when not null.
    package var days: Int?
    package var keepFinal: Bool
    package var pitrDays: Int?

    package init(_ policy: RetentionPolicy) {
        name = policy.name
        last = policy.last
        hourly = policy.hourly
        daily = policy.daily
        weekly = policy.weekly
        monthly = policy.monthly
        yearly = policy.yearly
        within = policy.within.map(RetentionDuration.text)
        days = policy.days
        keepFinal = policy.keepsFinal
        pitrDays = policy.pitrDays
    }

    private enum CodingKeys: String, CodingKey { case name, last, hourly, daily, weekly, monthly, yearly, within, days, keepFinal, pitrDays }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(last, forKey: .last)
        try container.encode(hourly, forKey: .hourly)
        try container.encode(daily, forKey: .daily)
        try container.encode(weekly, forKey: .weekly)
        try container.encode(monthly, forKey: .monthly)
        try container.encode(yearly, forKey: .yearly)
        try container.encode(within, forKey: .within)
        try container.encode(days, forKey: .days)
        try container.encode(keepFinal, forKey: .keepFinal)
        try container.encode(pitrDays, forKey: .pitrDays)
    }
}

/// One retention decision: `{backupId, database, storage, startedAt, keep, reason, expiresAt}`.
package struct RetentionDecisionRepresentation: Encodable, Sendable {
    package var backupId: String
    package var database: String
    package var storage: String
    package var trigger: String
    package var startedAt: Date
    package var keep: Bool
    package var reason: String
    package var expiresAt: Date?

    package init(_ item: RetentionItem) {
        backupId = item.backup.id
        database = item.backup.database
        storage = item.backup.storage
        trigger = item.backup.trigger.rawValue
        startedAt = item.backup.startedAt
        keep = item.decision.keeps
        reason = item.decision.reason
        expiresAt = item.decision.expiresAt
    }

    private enum CodingKeys: String, CodingKey { case backupId, database, storage, trigger, startedAt, keep, reason, expiresAt }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(backupId, forKey: .backupId)
        try container.encode(database, forKey: .database)
        try container.encode(storage, forKey: .storage)
        try container.encode(trigger, forKey: .trigger)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(keep, forKey: .keep)
        try container.encode(reason, forKey: .reason)
        try container.encode(expiresAt, forKey: .expiresAt)
    }
}
