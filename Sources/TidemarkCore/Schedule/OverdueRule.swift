package import Foundation

/// When a plan's database counts as overdue for a backup: no successful backup for two
/// scheduled runs plus a grace of half an interval (at most an hour), counted from its last
/// successful backup or, when later, the plan's last change. One rule for the `backup.overdue`
/// webhook and the dashboard's warnings.
package enum OverdueRule {
    /// The moment `plan` became (or becomes) overdue, or nil when its schedule never runs.
    package static func deadline(for plan: PlanRecord, lastSuccess: Date?) -> Date? {
        guard !plan.isPaused, let cron = try? CronExpression(parsing: plan.schedule) else { return nil }
        let since = max(lastSuccess ?? plan.updatedAt, plan.updatedAt)
        guard let first = cron.nextRun(after: since), let second = cron.nextRun(after: first) else { return nil }
        return second.addingTimeInterval(min(3600, second.timeIntervalSince(first) / 2))
    }

    /// Whether `plan` is overdue at `now`.
    package static func isOverdue(_ plan: PlanRecord, lastSuccess: Date?, now: Date) -> Bool {
        deadline(for: plan, lastSuccess: lastSuccess).map { now > $0 } ?? false
    }
}
