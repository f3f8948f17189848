import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

/// `POST /databases`: registers an external server (`url`; it may hold the password, which is
/// stored sealed and never returned) or, with `managed: true`, creates a managed instance
/// (`port` optional; the answer's `url` holds the generated password, this once).
struct DatabaseCreateBody: StrictBody {
    var name: String
    var engine: String?
    var url: String?
    var managed: Bool?
    var port: Int?
    /// false: register without a backup plan.
    var plan: Bool?
    var storage: String?
    var schedule: String?
    var policy: String?
    var method: String?
    /// Continuous WAL archiving (physical plans; an external server streams with pg_receivewal).
    var pitr: Bool?

    static let fields: Set<String> = ["name", "engine", "url", "managed", "port", "plan", "storage", "schedule", "policy", "method", "pitr"]
}

/// `PUT /plans/{database}`: nil fields keep the current value.
struct PlanChangeBody: StrictBody {
    var storage: String?
    var schedule: String?
    var policy: String?
    var method: String?
    var pitr: Bool?
    /// A storage name; `""` (or null) stops copying.
    var copyTo: String?

    static let fields: Set<String> = ["storage", "schedule", "policy", "method", "pitr", "copyTo"]

    func change() throws -> PlanChange {
        var method: BackupMethod?
        if let text = self.method {
            guard let value = BackupMethod(rawValue: text) else {
                throw APIError.badRequest("invalid-field", "field 'method' must be one of \(BackupMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            method = value
        }
        return PlanChange(storage: storage, schedule: schedule, policy: policy, method: method, pitr: pitr, copyTo: copyTo)
    }
}

/// `PUT /policies/{name}`.
struct PolicyChangeBody: StrictBody {
    var last: Int?
    var hourly: Int?
    var daily: Int?
    var weekly: Int?
    var monthly: Int?
    var yearly: Int?
    /// A duration (`2d`, `36h`); `"0"` removes the rule.
    var within: String?
    var days: Int?
    var keepFinal: Bool?
    var pitrDays: Int?
    /// Show what the change deletes without saving it.
    var dryRun: Bool?
    /// Needed when the change deletes backups.
    var confirm: Bool?

    static let fields: Set<String> = ["last", "hourly", "daily", "weekly", "monthly", "yearly", "within", "days", "keepFinal", "pitrDays", "dryRun", "confirm"]

    /// The change the body asks for.
    /// - Throws: `invalid-policy` for a malformed duration.
    func change() throws -> PolicyChange {
        PolicyChange(
            last: last, hourly: hourly, daily: daily, weekly: weekly, monthly: monthly, yearly: yearly,
            within: try within.map(RetentionDuration.parse), days: days, keepsFinal: keepFinal, pitrDays: pitrDays
        )
    }
}

extension RouteTable {
    mutating func addDatabaseRoutes(_ control: ControlPlane) {
        add(.get, "/databases", summary: "List databases", role: .viewer, response: "DatabaseList") { _, _ in
            var representations: [DatabaseRepresentation] = []
            for database in try await control.databases.list() {
                representations.append(DatabaseRepresentation(database, status: await control.instanceService.status(of: database)))
            }
            return try APIJSON.response(representations)
        }
        add(.post, "/databases", summary: "Register a database (connection checked; a plan is created unless plan is false)", role: .admin, body: "DatabaseCreate", response: "Database", status: .created) { request, context in
            let body = try await request.decodeStrict(DatabaseCreateBody.self, context: context)
            guard let engine = EngineKind(rawValue: body.engine ?? "postgres") else {
                throw APIError.badRequest("invalid-field", "field 'engine' must be one of \(EngineKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var method: BackupMethod?
            if let text = body.method {
                guard let value = BackupMethod(rawValue: text) else {
                    throw APIError.badRequest("invalid-field", "field 'method' must be one of \(BackupMethod.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                method = value
            }
            if body.plan == false && (body.pitr == true || method != nil) {
                throw APIError.badRequest("invalid-field", "'plan': false cannot be combined with 'method' or 'pitr', which set the plan")
            }
            let plan = body.plan == false ? nil : PlanChange(storage: body.storage, schedule: body.schedule, policy: body.policy, method: body.pitr == true ? (method ?? .physical) : method, pitr: body.pitr)
            if body.managed == true {
                guard body.url == nil else { throw APIError.badRequest("invalid-field", "a managed instance gets its URL from Tidemark: leave 'url' out") }
                guard try control.databases.capabilities(of: engine).managedInstances else {
                    throw APIError.badRequest("invalid-field", "\(engine.rawValue) instances cannot be managed; register the server with its 'url' instead")
                }
                // The plan of a managed instance takes physical backups unless `method` says otherwise.
                let created = try await control.instanceService.create(name: body.name, port: body.port, plan: plan)
                return try APIJSON.response(CreatedInstanceRepresentation(created, status: await control.instanceService.status(of: created.database)), status: .created)
            }
            guard body.port == nil else { throw APIError.badRequest("invalid-field", "'port' is only for managed instances (\"managed\": true); an external server's port is in its url") }
            guard let url = body.url else { throw APIError.badRequest("invalid-field", "field 'url' is required unless \"managed\" is true") }
            let (database, _, _) = try await control.databases.add(name: body.name, engine: engine, url: url, plan: plan)
            return try APIJSON.response(DatabaseRepresentation(database), status: .created)
        }
        add(.get, "/databases/{name}", summary: "Show a database", role: .viewer, response: "Database") { _, context in
            let database = try await control.databases.get(named: try context.parameters.require("name"))
            var representation = DatabaseRepresentation(database, status: await control.instanceService.status(of: database))
            representation.recoveryWindow = try await control.walArchive.window(database: database.name)
            return try APIJSON.response(representation)
        }
        add(.post, "/databases/{name}/deprovision", summary: "Deprovision: final backup when the policy keeps finals, schedule stopped (waits for the final backup)", role: .admin, response: "Deprovision") { _, context in
            let result = try await control.databases.deprovision(named: try context.parameters.require("name"))
            return try APIJSON.response(DeprovisionRepresentation(result))
        }

        add(.get, "/plans", summary: "List plans", role: .viewer, response: "PlanList") { _, _ in
            try APIJSON.response(try await control.plans.list().map { PlanRepresentation($0) })
        }
        add(.get, "/plans/{database}", summary: "Show a plan with its next five runs", role: .viewer, response: "Plan") { _, context in
            let plan = try await control.plans.get(database: try context.parameters.require("database"))
            let window = try await control.walArchive.window(database: plan.database)
            return try APIJSON.response(PlanRepresentation(plan, upcomingRuns: control.plans.upcomingRuns(of: plan, count: 5), recoveryWindow: window))
        }
        add(.put, "/plans/{database}", summary: "Create or change a plan", role: .admin, body: "PlanChange", response: "Plan") { request, context in
            let body = try await request.decodeStrict(PlanChangeBody.self, context: context)
            let plan = try await control.plans.set(database: try context.parameters.require("database"), try body.change())
            return try APIJSON.response(PlanRepresentation(plan))
        }
        add(.post, "/plans/{database}/pause", summary: "Pause a plan", role: .admin, response: "Plan") { _, context in
            try APIJSON.response(PlanRepresentation(try await control.plans.pause(database: try context.parameters.require("database"))))
        }
        add(.post, "/plans/{database}/resume", summary: "Resume a plan", role: .admin, response: "Plan") { _, context in
            try APIJSON.response(PlanRepresentation(try await control.plans.resume(database: try context.parameters.require("database"))))
        }

        add(.get, "/policies", summary: "List retention policies", role: .viewer, response: "PolicyList") { _, _ in
            try APIJSON.response(try await control.plans.policies().map(PolicyRepresentation.init))
        }
        add(.get, "/policies/{name}", summary: "Show a policy and why each backup under it is kept or deleted", role: .viewer, response: "PolicyDetails") { _, context in
            let (policy, databases, items) = try await control.plans.policyDetails(named: try context.parameters.require("name"))
            return try APIJSON.response(PolicyShowRepresentation(policy: PolicyRepresentation(policy), databases: databases, decisions: items.map(RetentionDecisionRepresentation.init)))
        }
        add(.put, "/policies/{name}", summary: "Create or change a policy; a change that deletes backups needs confirm (409 otherwise)", role: .admin, body: "PolicyChange", response: "PolicyUpdate") { request, context in
            let body = try await request.decodeStrict(PolicyChangeBody.self, context: context)
            let change = try body.change()
            let update = try await control.plans.setPolicy(named: try context.parameters.require("name"), change, dryRun: body.dryRun ?? false, confirm: body.confirm ?? false)
            return try APIJSON.response(PolicyUpdateRepresentation(update))
        }
    }
}
