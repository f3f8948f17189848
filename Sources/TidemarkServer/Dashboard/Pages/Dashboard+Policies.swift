import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

extension Dashboard {
    /// Retention policies: the list, and an edit form that shows which backups a change would
    /// delete and saves such a change only after it is confirmed (SPEC §2.3, §4.3).
    func addPolicyRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("/policies") { request, context in
            let plans = try await control.plans.list()
            let policies = try await control.plans.policies().map { policy -> [String: Any] in
                let users = plans.filter { $0.policy == policy.name }.map(\.database)
                return ["name": policy.name, "path": Self.path(policy.name), "summary": policy.summary, "databases": users.isEmpty ? "none" : users.joined(separator: ", ")]
            }
            return page("policies", title: "Retention policies", context: context, data: ["policies": policies, "hasPolicies": !policies.isEmpty, "notice": Self.notice(request) as Any])
        }
        group.get("/policies/{name}") { _, context in
            let (policy, databases, items) = try await control.plans.policyDetails(named: try context.parameters.require("name"))
            return policyPage(policy, databases: databases, items: items, context: context)
        }
        group.post("/policies/{name}") { _, context in
            try Self.requireAdmin(context)
            let name = try context.parameters.require("name")
            let form = context.form
            let change: PolicyChange
            do {
                change = PolicyChange(
                    last: try Self.count(form, "last"), hourly: try Self.count(form, "hourly"), daily: try Self.count(form, "daily"),
                    weekly: try Self.count(form, "weekly"), monthly: try Self.count(form, "monthly"), yearly: try Self.count(form, "yearly"),
                    // An emptied field removes the rule.
                    within: try form.has("within") ? RetentionDuration.parse(form["within"] ?? "0") : nil,
                    days: try form["days"].map { _ in try Self.count(form, "days") ?? 0 }, keepsFinal: form.isChecked("keepFinal")
                )
                let confirmed = form["confirm"] == "yes"
                let preview = try await control.plans.setPolicy(named: name, change, dryRun: true)
                if !preview.deletions.isEmpty && !confirmed {
                    return confirmPage(preview, form: form, context: context)
                }
                _ = try await control.plans.setPolicy(named: name, change, confirm: confirmed)
            } catch let error as any UserFacingError {
                let (policy, databases, items) = try await control.plans.policyDetails(named: name)
                return policyPage(policy, databases: databases, items: items, context: context, error: error)
            }
            return Self.redirect("/ui/policies/\(Self.path(name))?notice=policy-saved")
        }
    }

    private func policyPage(_ policy: RetentionPolicy, databases: [String], items: [RetentionItem], context: APIRequestContext, error: (any UserFacingError)? = nil) -> Response {
        page("policy", title: "Policy \(policy.name)", context: context, data: [
            "name": policy.name, "path": Self.path(policy.name), "last": policy.last, "hourly": policy.hourly, "daily": policy.daily,
            "weekly": policy.weekly, "monthly": policy.monthly, "yearly": policy.yearly, "within": policy.within.map(RetentionDuration.text) ?? "",
            "days": policy.days.map(String.init) ?? "", "keepFinal": policy.keepsFinal,
            "summary": policy.summary, "databases": databases.isEmpty ? "none" : databases.joined(separator: ", "),
            // Newest first, bounded: a policy over 100,000 backups must not make a 100,000-row page.
            "decisions": Self.newestFirst(items).prefix(Self.listLimit).map(decisionRow), "hasDecisions": !items.isEmpty,
            "decisionCount": items.count, "moreDecisions": max(0, items.count - Self.listLimit),
            "error": error.map { ["message": $0.message, "hint": $0.hint ?? ""] } as Any,
        ], status: error.map { APIError.status(for: $0.category) } ?? .ok)
    }

    private func confirmPage(_ preview: PolicyUpdate, form: FormFields, context: APIRequestContext) -> Response {
        let policy = preview.policy
        return page("policy-confirm", title: "Confirm policy \(policy.name)", context: context, data: [
            "name": policy.name, "path": Self.path(policy.name), "summary": policy.summary,
            "last": policy.last, "hourly": policy.hourly, "daily": policy.daily, "weekly": policy.weekly, "monthly": policy.monthly,
            "yearly": policy.yearly, "within": policy.within.map(RetentionDuration.text) ?? "0", "days": policy.days.map(String.init) ?? "",
            "keepFinal": policy.keepsFinal, "count": preview.deletions.count,
            "deletions": Self.newestFirst(preview.deletions).prefix(Self.listLimit).map(decisionRow),
            "moreDeletions": max(0, preview.deletions.count - Self.listLimit),
        ])
    }

    /// Rows a policy page lists; the rest are counted.
    static let listLimit = 500

    private static func newestFirst(_ items: [RetentionItem]) -> [RetentionItem] {
        items.sorted { $0.backup.startedAt > $1.backup.startedAt }
    }

    private func decisionRow(_ item: RetentionItem) -> [String: Any] {
        [
            "id": item.backup.id, "database": item.backup.database, "dataFrom": time(item.backup.startedAt) as Any,
            "trigger": item.backup.trigger.rawValue, "size": HumanFormat.bytes(item.backup.logicalBytes),
            "keeps": item.decision.keeps, "reason": item.decision.reason,
        ]
    }

    private static func count(_ form: FormFields, _ field: String) throws -> Int? {
        guard let text = form[field] else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw TidemarkError(code: "invalid-policy", message: "\(field) must be a whole number of 0 or more, not '\(text)'", hint: "Correct the field and save again.", category: .invalidInput)
        }
        return value
    }
}
