import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

extension Dashboard {
    /// The Databases list and the per-database actions: back up now, deprovision.
    func addDatabaseRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("/databases") { request, context in
            let plans = Dictionary(try await control.plans().map { ($0.database, $0) }, uniquingKeysWith: { a, _ in a })
            var rows: [[String: Any]] = []
            for database in try await control.databases() {
                let last = try await control.backupPage(matching: BackupFilter(database: database.name, status: .completed), limit: 1, after: nil).items.first
                let plan = plans[database.name]
                var row: [String: Any] = [
                    "name": database.name, "path": Self.path(database.name), "engine": database.engine.rawValue,
                    "host": "\(database.connection.host):\(database.connection.port)/\(database.connection.database)",
                    "deprovisioned": database.deprovisionedAt != nil,
                    "protected": plan.map { !$0.isPaused } ?? false && database.deprovisionedAt == nil,
                    "planState": Self.planState(plan, database: database),
                ]
                if let last {
                    row["size"] = HumanFormat.bytes(last.logicalBytes)
                    row["lastBackup"] = time(last.finishedAt ?? last.startedAt)
                    row["lastBackupID"] = last.id
                }
                if let next = plan?.nextRunAt, plan?.isPaused == false, database.deprovisionedAt == nil { row["nextBackup"] = time(next) }
                rows.append(row)
            }
            return page("databases", title: "Databases", context: context, data: ["databases": rows, "hasDatabases": !rows.isEmpty, "notice": Self.notice(request) as Any])
        }
        group.post("/databases/{name}/backup") { _, context in
            try Self.requireAdmin(context)
            let operation = try await control.enqueueBackup(database: try context.parameters.require("name"))
            return Self.redirect("/ui/operations/\(operation.id)")
        }
        group.get("/databases/{name}/deprovision") { _, context in
            let database = try await control.database(named: try context.parameters.require("name"))
            let plan = try? await control.plan(database: database.name)
            var keepsFinal = false
            if let plan { keepsFinal = try await control.policy(named: plan.policy).keepsFinal }
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
            _ = try await control.deprovisionDatabase(named: name)
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
