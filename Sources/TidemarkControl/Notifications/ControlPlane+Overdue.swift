import Foundation
import Logging
import TidemarkCore

extension ControlPlane {
    /// Sends `backup.overdue` for every active plan whose database is overdue by `OverdueRule`
    /// (no successful backup for two scheduled runs plus a grace).
    ///
    /// A failed backup already sends `backup.failed`; this catches what sends nothing: no
    /// `serve` running, a stuck queue, backups that never start. Sent once per episode: the
    /// next notice for a database needs a successful backup (or a plan change) in between.
    /// - Returns: the databases notified.
    @discardableResult
    package func notifyOverdueBackups() async throws -> [String] {
        let time = now()
        let lastSuccess = try await catalog.lastSuccessfulBackups()
        let deprovisioned = Set(try await catalog.databases().filter { $0.deprovisionedAt != nil }.map(\.name))
        var notified: [String] = []
        for plan in try await catalog.plans() where !plan.isPaused && !deprovisioned.contains(plan.database) {
            guard OverdueRule.isOverdue(plan, lastSuccess: lastSuccess[plan.database], now: time) else { continue }
            let since = max(lastSuccess[plan.database] ?? plan.updatedAt, plan.updatedAt)
            let key = "\(WebhookEvent.backupOverdue.rawValue):\(plan.database)"
            if let sent = try await catalog.noticeSentAt(key: key), sent >= since { continue }
            let last = lastSuccess[plan.database].map { "last successful backup \(HumanFormat.interval(from: $0, to: time)) ago" } ?? "no successful backup yet"
            await notify(Notice(
                .backupOverdue, status: "overdue", database: plan.database, storage: plan.storage,
                message: "\(plan.database) is overdue for a backup (schedule \(plan.schedule)): \(last)"
            ))
            try await catalog.recordNotice(key: key, at: time)
            notified.append(plan.database)
        }
        return notified
    }
}
