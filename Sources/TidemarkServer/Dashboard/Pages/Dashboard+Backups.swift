import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

extension Dashboard {
    /// Database → Backups tab (and its Incomplete backups view), backup details, and the plan's
    /// Manage page.
    func addBackupRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("/databases/{name}") { request, context in
            try await backupsTab(request, context, incomplete: false)
        }
        group.get("/databases/{name}/incomplete") { request, context in
            try await backupsTab(request, context, incomplete: true)
        }
        group.get("/backups/{id}") { _, context in
            let backup = try await control.backups.get(id: try context.parameters.require("id"))
            let expiry = try await control.plans.expiries(of: [backup])[backup.id]
            var data = backupRow(backup, expiresAt: expiry)
            data["databases"] = backup.databases.map { database -> [String: Any] in
                [
                    "name": database.name, "size": HumanFormat.bytes(database.bytes), "tableCount": database.tables.count,
                    "tables": database.tables.map { table -> [String: Any] in
                        ["name": table.qualifiedName, "size": HumanFormat.bytes(table.bytes), "rows": table.rows.formatted(.number.grouping(.automatic)), "query": table.qualifiedName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""]
                    },
                ]
            }
            data["hasContents"] = !backup.databases.isEmpty
            data["warnings"] = backup.warnings
            data["hasWarnings"] = !backup.warnings.isEmpty
            data["serverVersion"] = backup.serverVersion ?? "unknown"
            return page("backup", title: "Backup \(backup.id)", context: context, data: data)
        }
        group.get("/databases/{name}/plan") { _, context in
            let name = try context.parameters.require("name")
            let plan = try await control.plans.get(database: name)
            return try await planForm(plan: plan, context: context)
        }
        group.post("/databases/{name}/plan") { _, context in
            try Self.requireAdmin(context)
            let name = try context.parameters.require("name")
            let form = context.form
            switch form["action"] {
            case "pause":
                _ = try await control.plans.pause(database: name)
                return Self.redirect("/ui/databases/\(Self.path(name))?notice=plan-paused")
            case "resume":
                _ = try await control.plans.resume(database: name)
                return Self.redirect("/ui/databases/\(Self.path(name))?notice=plan-resumed")
            default:
                do {
                    _ = try await control.plans.set(database: name, PlanChange(storage: form["storage"], schedule: form["schedule"], policy: form["policy"]))
                } catch let error as any UserFacingError {
                    var plan = try await control.plans.get(database: name)
                    plan.schedule = form["schedule"] ?? plan.schedule
                    return try await planForm(plan: plan, context: context, error: error)
                }
                return Self.redirect("/ui/databases/\(Self.path(name))?notice=plan-saved")
            }
        }
    }

    private func backupsTab(_ request: Request, _ context: APIRequestContext, incomplete: Bool) async throws -> Response {
        let database = try await control.databases.get(named: try context.parameters.require("name"))
        let cursor = request.uri.queryParameters["after"].flatMap { ListCursor(token: String($0)) }
        var items: [BackupRecord]
        var next: ListCursor?
        if incomplete {
            // Failed, pending and running backups: the list people open when something broke.
            // Each status is bounded to its newest 100 so a long failure streak stays readable.
            items = []
            for status in [BackupStatus.running, .pending, .failed] {
                items += try await control.backups.page(matching: BackupFilter(database: database.name, status: status), limit: 100, after: nil).items
            }
            items.sort { $0.startedAt > $1.startedAt }
        } else {
            let page = try await control.backups.page(matching: BackupFilter(database: database.name), limit: 50, after: cursor)
            items = page.items
            next = page.next
        }
        let expiries = try await control.plans.expiries(of: items.filter { $0.status == .completed })
        let health = try await control.databases.health(named: database.name)
        var data: [String: Any] = [
            "name": database.name, "path": Self.path(database.name), "engine": database.engine.rawValue,
            "incomplete": incomplete, "notice": Self.notice(request) as Any,
            "backups": items.map { backupRow($0, expiresAt: expiries[$0.id]) },
            "hasBackups": !items.isEmpty, "nextCursor": next?.token as Any,
            "deprovisioned": database.deprovisionedAt != nil,
            "failedCount": health.backups.failedCount, "hasFailures": health.backups.failedCount > 0,
            "lastAttemptFailed": health.lastAttemptFailed, "overdue": health.isOverdue,
            "lastError": (health.lastAttemptFailed ? health.backups.latest?.error.map { ["code": $0.code, "message": $0.message, "hint": $0.hint ?? ""] } : nil) as Any,
        ]
        if let plan = try? await control.plans.get(database: database.name) {
            let schedule = try? CronExpression(parsing: plan.schedule)
            let policy = try? await control.plans.policy(named: plan.policy)
            let pitrDays = policy?.pitrDays ?? 1
            data["plan"] = [
                "storage": plan.storage, "cron": plan.schedule, "words": schedule?.summary ?? "custom schedule",
                "policy": plan.policy, "policyPath": Self.path(plan.policy), "policySummary": policy?.summary ?? "",
                "method": plan.method.rawValue, "paused": plan.isPaused,
                "next": (plan.isPaused ? nil : time(plan.nextRunAt)) as Any,
                "pitr": plan.pitr, "pitrKept": pitrDays == 1 ? "1 day" : "\(pitrDays) days",
            ] as [String: Any]
            data["recovery"] = await recoverySummary(database: database.name, archiving: plan.pitr) as Any
        }
        return page("database", title: "\(database.name) · Backups", context: context, data: data)
    }

    /// The recovery window as the database page shows it; nil when the database never archived
    /// WAL. A storage that cannot be read is said so rather than shown as an empty window.
    func recoverySummary(database name: String, archiving: Bool) async -> [String: Any]? {
        do {
            let ranges = try await control.walArchive.window(database: name)
            guard archiving || !ranges.isEmpty else { return nil }
            return [
                "ranges": ranges.map { ["timeline": Int($0.timeline), "earliest": time($0.earliest) as Any, "latest": time($0.latest) as Any] as [String: Any] },
                "empty": ranges.isEmpty,
            ]
        } catch {
            return ["unreadable": (error as? TidemarkError)?.message ?? "\(error)", "empty": false, "ranges": [] as [Any]]
        }
    }

    /// One backup as the lists show it.
    func backupRow(_ backup: BackupRecord, expiresAt: Date?) -> [String: Any] {
        let duration = backup.finishedAt.map { HumanFormat.duration(seconds: $0.timeIntervalSince(backup.startedAt)) }
            ?? HumanFormat.duration(seconds: max(0, now.timeIntervalSince(backup.startedAt))) + " so far"
        var row: [String: Any] = [
            "id": backup.id, "database": backup.database, "databasePath": Self.path(backup.database),
            "storage": backup.storage, "trigger": backup.trigger.rawValue, "method": backup.method.rawValue,
            "status": Self.statusWord(backup.status.rawValue), "statusClass": backup.status.rawValue,
            "completed": backup.status == .completed, "dataFrom": time(backup.startedAt) as Any,
            "finished": time(backup.finishedAt) as Any, "duration": duration,
            "size": HumanFormat.bytes(backup.logicalBytes), "stored": HumanFormat.bytes(backup.storedBytes),
            "operationID": backup.operationID as Any,
        ]
        if backup.status == .completed {
            row["expires"] = ExpiryText.describe(backup, expiresAt: expiresAt, now: now)
            row["expiresAt"] = time(expiresAt) as Any
        }
        if let error = backup.error {
            row["error"] = ["code": error.code, "message": error.message, "hint": error.hint ?? ""]
        }
        return row
    }

    private func planForm(plan: PlanRecord, context: APIRequestContext, error: (any UserFacingError)? = nil) async throws -> Response {
        let storages = try await control.storages.list().map { ["name": $0.name, "selected": $0.name == plan.storage] as [String: Any] }
        let policies = try await control.plans.policies().map { ["name": $0.name, "selected": $0.name == plan.policy] as [String: Any] }
        let upcoming = control.plans.upcomingRuns(of: plan, count: 3).compactMap { time($0) }
        return page("plan", title: "Manage backups of \(plan.database)", context: context, data: [
            "name": plan.database, "path": Self.path(plan.database), "schedule": plan.schedule,
            "words": (try? CronExpression(parsing: plan.schedule))?.summary ?? "custom schedule",
            "storages": storages, "policies": policies, "paused": plan.isPaused, "upcoming": upcoming, "hasUpcoming": !upcoming.isEmpty,
            "error": error.map { ["message": $0.message, "hint": $0.hint ?? ""] } as Any,
        ], status: error == nil ? .ok : APIError.status(for: error?.category ?? .invalidInput))
    }

    static func statusWord(_ status: String) -> String {
        status.prefix(1).uppercased() + status.dropFirst()
    }

}
