package import Foundation
package import TidemarkCore

/// A requested change to a retention policy; nil fields keep the current value.
package struct PolicyChange: Sendable {
    package var last: Int?
    package var hourly: Int?
    package var daily: Int?
    package var weekly: Int?
    package var monthly: Int?
    package var yearly: Int?
    /// Seconds; 0 removes the `within` rule.
    package var within: TimeInterval?
    package var days: Int?
    package var keepsFinal: Bool?
    /// Days of point-in-time recovery for plans that archive WAL.
    package var pitrDays: Int?

    package init(
        last: Int? = nil, hourly: Int? = nil, daily: Int? = nil, weekly: Int? = nil, monthly: Int? = nil, yearly: Int? = nil,
        within: TimeInterval? = nil, days: Int? = nil, keepsFinal: Bool? = nil, pitrDays: Int? = nil
    ) {
        self.pitrDays = pitrDays
        self.last = last
        self.hourly = hourly
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.yearly = yearly
        self.within = within
        self.days = days
        self.keepsFinal = keepsFinal
    }

    /// Whether any count-based rule is given (which makes a day-based policy count-based again).
    var setsCounts: Bool {
        [last, hourly, daily, weekly, monthly, yearly].contains { $0 != nil } || within != nil
    }

    /// `policy` with this change applied.
    func applied(to policy: RetentionPolicy) -> RetentionPolicy {
        var policy = policy
        if let last { policy.last = last }
        if let hourly { policy.hourly = hourly }
        if let daily { policy.daily = daily }
        if let weekly { policy.weekly = weekly }
        if let monthly { policy.monthly = monthly }
        if let yearly { policy.yearly = yearly }
        if let within { policy.within = within == 0 ? nil : within }
        if days != nil {
            policy.days = days
        } else if setsCounts {
            policy.days = nil
        }
        if let keepsFinal { policy.keepsFinal = keepsFinal }
        if let pitrDays { policy.pitrDays = pitrDays }
        return policy
    }
}

/// What `policy set` did or would do.
package struct PolicyUpdate: Sendable {
    package var policy: RetentionPolicy
    /// Backups the new settings delete (listed, not deleted, for a dry run).
    package var deletions: [RetentionItem]
    /// Archived WAL the new settings delete with those backups (point-in-time plans).
    package var walDeletions: [WALDeletion] = []
    package var isSaved: Bool
    /// The retention run that deleted them, when there was one.
    package var retention: RetentionResult?
}

extension PlanService {
    /// The policy `name`. - Throws: `policy-not-found`.
    package func policy(named name: String) async throws -> RetentionPolicy { try await catalog.requirePolicy(named: name) }

    /// Every policy.
    package func policies() async throws -> [RetentionPolicy] {
        try await catalog.policies()
    }

    /// Creates or changes a retention policy (SPEC §4.3).
    ///
    /// Any count tier or `within` without `days` makes the policy count-based again; a new
    /// policy starts from the defaults (within 1d, 24 hourly, 30 daily, 12 monthly, 6 yearly).
    /// When the new settings would delete backups, nothing is saved unless `confirm` is set;
    /// `dryRun` only reports. A confirmed change runs retention at once.
    /// - Throws: `invalid-policy`, `confirmation-required` (naming how many backups would go).
    package func setPolicy(named name: String, _ change: PolicyChange, dryRun: Bool = false, confirm: Bool = false) async throws -> PolicyUpdate {
        try NameRule.validate(name, what: "policy")
        let policy = change.applied(to: try await catalog.policy(named: name) ?? RetentionPolicy(name: name))
        try policy.validate()
        let decisions = try await retentionDecisions(override: policy)
        let deletions = decisions.filter { !$0.decision.keeps }
        if dryRun {
            return PolicyUpdate(policy: policy, deletions: deletions, walDeletions: try await walArchive.walDeletions(under: decisions), isSaved: false, retention: nil)
        }
        if !deletions.isEmpty && !confirm {
            throw ControlError(
                .confirmationRequired,
                "policy \(name) would delete \(deletions.count) backup\(deletions.count == 1 ? "" : "s")",
                hint: "Run with --dry-run to list them, then again with --confirm to save the policy and delete them."
            )
        }
        try await catalog.savePolicy(policy)
        let retention = deletions.isEmpty ? nil : try await applyRetention()
        // Deleting nothing still moves expiry dates; the confirmed run above stored them.
        if deletions.isEmpty { await refreshExpiriesLogging(database: nil) }
        return PolicyUpdate(policy: policy, deletions: deletions, walDeletions: [], isSaved: true, retention: retention)
    }

    /// Policy `name`, the databases whose plans use it, and why each of their backups is kept
    /// or deleted under it (`policy show`, `GET /policies/{name}`).
    package func policyDetails(named name: String) async throws -> (policy: RetentionPolicy, databases: [String], items: [RetentionItem]) {
        let policy = try await catalog.requirePolicy(named: name)
        let databases = try await list().filter { $0.policy == name }.map(\.database)
        let using = Set(databases)
        let items = try await retentionDecisions(override: policy).filter { using.contains($0.backup.database) }
        return (policy, databases, items)
    }
}
