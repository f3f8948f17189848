import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

extension Dashboard {
    /// The Databases list and the per-database actions: back up now, deprovision.
    func addDatabaseRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("/databases") { request, context in
            var rows: [[String: Any]] = []
            var attention: [[String: Any]] = []
            for health in try await control.databases.health() {
                let database = health.database
                let plan = health.plan
                var row: [String: Any] = [
                    "name": database.name, "path": Self.path(database.name), "engine": database.engine.rawValue,
                    "host": "\(database.connection.host):\(database.connection.port)/\(database.connection.database)",
                    "deprovisioned": database.deprovisionedAt != nil,
                    "protected": plan.map { !$0.isPaused } ?? false && database.deprovisionedAt == nil && !health.needsAttention,
                    "failing": plan.map { !$0.isPaused } ?? false && health.needsAttention,
                    "planState": Self.planState(plan, database: database),
                    "overdue": health.isOverdue,
                    "managed": database.managed != nil,
                ]
                if let managed = database.managed {
                    row["instanceStatus"] = (await control.instanceService.status(of: database))?.rawValue ?? "unknown"
                    row["host"] = "managed instance on 127.0.0.1:\(managed.port) · \(managed.desiredState == .stopped ? "stopped on purpose" : "kept running")"
                }
                if let last = health.backups.latestCompleted {
                    row["size"] = HumanFormat.bytes(last.logicalBytes)
                    row["lastBackup"] = time(last.finishedAt ?? last.startedAt)
                    row["lastBackupID"] = last.id
                }
                if let latest = health.backups.latest {
                    row["lastAttempt"] = [
                        "status": latest.status.rawValue, "failed": latest.status == .failed,
                        "time": time(latest.finishedAt ?? latest.startedAt) as Any,
                        "error": latest.error.map { ["code": $0.code, "message": $0.message] } as Any,
                    ] as [String: Any]
                }
                if let next = plan?.nextRunAt, plan?.isPaused == false, database.deprovisionedAt == nil { row["nextBackup"] = time(next) }
                if health.needsAttention {
                    let why = health.lastAttemptFailed
                        ? "last backup failed: \(health.backups.latest?.error?.message ?? "see its operation")"
                        : "overdue: no successful backup for two scheduled runs"
                    attention.append(["name": database.name, "path": Self.path(database.name), "why": why])
                }
                rows.append(row)
            }
            return page("databases", title: "Databases", context: context, data: [
                "databases": rows, "hasDatabases": !rows.isEmpty, "notice": Self.notice(request) as Any,
                "attention": attention, "attentionCount": attention.count, "needsAttention": !attention.isEmpty,
            ])
        }
        group.post("/databases/{name}/backup") { _, context in
            try Self.requireAdmin(context)
            let operation = try await control.backups.enqueue(database: try context.parameters.require("name"))
            return Self.redirect("/ui/operations/\(operation.id)")
        }
        group.get("/databases/{name}/deprovision") { _, context in
            let database = try await control.databases.get(named: try context.parameters.require("name"))
            let plan = try? await control.plans.get(database: database.name)
            var keepsFinal = false
            if let plan { keepsFinal = try await control.plans.policy(named: plan.policy).keepsFinal }
            return page("deprovision", title: "Deprovision \(database.name)", context: context, data: [
                "name": database.name, "path": Self.path(database.name), "keepsFinal": keepsFinal,
                "policy": plan?.policy ?? "", "alreadyDone": database.deprovisionedAt != nil,
            ])
        }
        group.post("/databases/{name}/deprovision") { _, context in
            try Self.requireAdmin(context)
            let name = try context.parameters.require("name")
            guard context.form["confirmName"] == name else {
                throw APIError(.unprocessableContent, code: "confirmation-mismatch", message: "type the database name \(name) to confirm the deprovision", hint: "Nothing was changed.")
            }
            _ = try await control.databases.deprovision(named: name)
            return Self.redirect("/ui/databases/\(Self.path(name))?notice=deprovisioned")
        }
    }

    static func planState(_ plan: PlanRecord?, database: DatabaseRecord) -> String {
        if database.deprovisionedAt != nil { return "deprovisioned" }
        guard let plan else { return "no backup plan" }
        return plan.isPaused ? "paused" : "active"
    }

    /// Messages shown after a redirect, chosen by code so a link cannot put words on the page.
    static func notice(_ request: Request) -> String? {
        switch request.uri.queryParameters["notice"].map(String.init) {
        case "deprovisioned": "The database was deprovisioned. Its backups stay until you purge them."
        case "plan-saved": "The backup plan was saved."
        case "plan-paused": "Scheduled backups are paused."
        case "plan-resumed": "Scheduled backups are resumed."
        case "storage-saved": "The storage was saved."
        case "policy-saved": "The retention policy was saved."
        case "cancel-requested": "Cancellation was requested."
        case "retried": "The operation was queued again."
        default: nil
        }
    }
}
