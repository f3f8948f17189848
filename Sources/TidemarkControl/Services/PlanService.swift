package import Foundation
package import TidemarkCore

/// Plans, retention policies and retention (SPEC §4.3): schedules, policies, what they keep.
///
/// Its work still lives in `ControlPlane` extensions (+Plans, +Policies, +Retention,
/// RetentionJob), which this service holds privately.
package struct PlanService: Sendable {
    private let control: ControlPlane

    init(control: ControlPlane) { self.control = control }

    /// Creates or changes the plan of `database`.
    package func set(database: String, _ change: PlanChange) async throws -> PlanRecord { try await control.setPlan(database: database, change) }
    /// The plan of `database`. - Throws: `plan-not-found`.
    package func get(database: String) async throws -> PlanRecord { try await control.catalog.requirePlan(database: database) }
    /// `change` with every setting checked before a new database is saved; nil when no plan is
    /// wanted, or when no storage is registered and none named.
    func checked(_ change: PlanChange?) async throws -> PlanChange? { try await control.checkedPlan(change) }
    /// Every plan.
    package func list() async throws -> [PlanRecord] { try await control.allPlans() }
    /// Stops the schedule of `database`.
    package func pause(database: String) async throws -> PlanRecord { try await control.pausePlan(database: database) }
    /// Starts the schedule of `database` again.
    package func resume(database: String) async throws -> PlanRecord { try await control.resumePlan(database: database) }
    /// The next `count` runs of `plan`.
    package func upcomingRuns(of plan: PlanRecord, count: Int) -> [Date] { control.upcomingRuns(of: plan, count: count) }

    /// The policy `name`. - Throws: `policy-not-found`.
    package func policy(named name: String) async throws -> RetentionPolicy { try await control.catalog.requirePolicy(named: name) }
    /// Every policy.
    package func policies() async throws -> [RetentionPolicy] { try await control.policies() }
    /// Changes policy `name`; refused with `confirmation-required` when it deletes backups unconfirmed.
    package func setPolicy(named name: String, _ change: PolicyChange, dryRun: Bool = false, confirm: Bool = false) async throws -> PolicyUpdate {
        try await control.setPolicy(named: name, change, dryRun: dryRun, confirm: confirm)
    }
    /// A policy with the databases that use it and its decisions.
    package func policyDetails(named name: String) async throws -> (policy: RetentionPolicy, databases: [String], items: [RetentionItem]) {
        try await control.policyDetails(named: name)
    }

    /// Retention decisions for the completed backups of `database` (all when nil).
    package func retentionDecisions(database: String? = nil, override: RetentionPolicy? = nil) async throws -> [RetentionItem] {
        try await control.retentionDecisions(database: database, override: override)
    }
    /// `expiresAt` for each backup under the current policies.
    package func expiries(of backups: [BackupRecord]) async throws -> [String: Date] { try await control.expiries(of: backups) }
    /// Stores each backup's expiry, deleting nothing.
    package func refreshExpiries(database: String? = nil) async throws { try await control.refreshExpiries(database: database) }
    /// Deletes what the policies no longer keep, now.
    package func applyRetention(database: String? = nil, observer: OperationObserver? = nil) async throws -> RetentionResult {
        try await control.applyRetention(database: database, observer: observer)
    }
    /// Queues a retention run for `serve`.
    package func enqueueRetention(database: String? = nil) async throws -> OperationRecord { try await control.enqueueRetention(database: database) }
}

extension ControlPlane {
    /// Plans, retention policies and retention.
    package var plans: PlanService { PlanService(control: self) }
}
