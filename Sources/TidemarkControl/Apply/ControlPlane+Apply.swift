import Foundation
import Logging
import TidemarkCore

extension ControlPlane {
    /// Makes the catalog match `desired` (SPEC §4.14): creates what is missing, changes what
    /// differs, leaves the rest — so applying the same file twice changes nothing the second time.
    ///
    /// Everything is checked before anything changes: names, cron expressions, policies, and
    /// that every plan's database, storage and policy exist in the file or the catalog. A policy
    /// change that would delete backups needs `confirm` (like `policy set`). Order: storages,
    /// policies, databases, plans, so references resolve. Storages and databases are contacted
    /// (connection test, server check) before they are saved; a failure stops the apply with
    /// what came before it applied, and running it again continues from there.
    /// - Parameter dryRun: only compute the changes.
    /// - Returns: one entry per resource in the file, in the order applied.
    package func apply(_ desired: DesiredState, dryRun: Bool, confirm: Bool = false) async throws -> [ApplyChange] {
        var desired = desired
        // Compared with the catalog as stored, so `/srv/backups/` in the file is no change.
        for index in desired.storages.indices { desired.storages[index].settings = try desired.storages[index].settings.normalized() }
        try await validate(desired)
        var changes: [ApplyChange] = []
        var policyDeletions: [String: Int] = [:]
        for storage in desired.storages { changes.append(try await change(for: storage)) }
        for policy in desired.policies {
            var change = try await change(for: policy)
            if change.action == .update {
                let preview = try await plans.setPolicy(named: policy.name, Self.policyChange(policy), dryRun: true)
                if !preview.deletions.isEmpty {
                    policyDeletions[policy.name] = preview.deletions.count
                    change.details.append("deletes \(preview.deletions.count) backup\(preview.deletions.count == 1 ? "" : "s") under the new rules")
                }
            }
            changes.append(change)
        }
        for database in desired.databases { changes.append(try await change(for: database)) }
        for plan in desired.plans { changes.append(try await change(for: plan)) }
        if dryRun { return changes }
        if !confirm, let (name, count) = policyDeletions.min(by: { $0.key < $1.key }) {
            throw ControlError(
                .confirmationRequired,
                "applying would change policy \(name) and delete \(count) backup\(count == 1 ? "" : "s")",
                hint: "Run 'tidemark apply --dry-run' to see every change, then again with --confirm."
            )
        }
        try await perform(changes, desired: desired)
        return changes
    }

    /// Carries out the diff: `changes` already says, per resource, whether to create or update.
    private func perform(_ changes: [ApplyChange], desired: DesiredState) async throws {
        var actions: [String: ApplyChange.Action] = [:]
        for change in changes { actions["\(change.kind)/\(change.name)"] = change.action }
        for storage in desired.storages {
            switch actions["storage/\(storage.name)"] {
            case .create: _ = try await storages.add(name: storage.name, settings: storage.settings, secret: storage.secret)
            case .update: _ = try await storages.update(name: storage.name, settings: storage.settings, secret: storage.secret)
            default: continue
            }
            logger.info("apply: storage \(storage.name) saved")
        }
        for policy in desired.policies where actions["policy/\(policy.name)"] != .unchanged {
            _ = try await plans.setPolicy(named: policy.name, Self.policyChange(policy), confirm: true)
            logger.info("apply: policy \(policy.name) saved")
        }
        for database in desired.databases {
            switch actions["database/\(database.name)"] {
            case .create:
                _ = try await databases.add(name: database.name, engine: database.engine, connection: database.connection, password: database.password, plan: nil)
            case .update:
                _ = try await databases.update(name: database.name, engine: database.engine, connection: database.connection, password: database.password)
            default: continue
            }
            logger.info("apply: database \(database.name) saved")
        }
        for plan in desired.plans where actions["plan/\(plan.database)"] != .unchanged {
            let saved = try await plans.set(database: plan.database, PlanChange(storage: plan.storage, schedule: plan.schedule, policy: plan.policy, method: plan.method, pitr: plan.pitr))
            if plan.paused && !saved.isPaused { _ = try await plans.pause(database: plan.database) }
            if !plan.paused && saved.isPaused { _ = try await plans.resume(database: plan.database) }
            logger.info("apply: plan of \(plan.database) saved")
        }
    }

    private func validate(_ desired: DesiredState) async throws {
        func unique(_ names: [String], _ what: String) throws {
            var seen: Set<String> = []
            for name in names where !seen.insert(name).inserted {
                throw ControlError(.invalidConfig, "\(what) \(name) is listed twice", hint: "Keep one entry per \(what).")
            }
        }
        try unique(desired.storages.map(\.name), "storage")
        try unique(desired.databases.map(\.name), "database")
        try unique(desired.policies.map(\.name), "policy")
        try unique(desired.plans.map(\.database), "plan of database")
        for storage in desired.storages { try NameRule.validate(storage.name, what: "storage") }
        for database in desired.databases {
            try NameRule.validate(database.name, what: "database")
            if let existing = try await catalog.database(named: database.name), existing.deprovisionedAt != nil {
                throw ControlError(.databaseDeprovisioned, "database \(database.name) is deprovisioned", hint: "Remove it from the file, or register the server under a new name.")
            }
        }
        for policy in desired.policies {
            try NameRule.validate(policy.name, what: "policy")
            try policy.validate()
        }
        let storages = Set(desired.storages.map(\.name)).union(try await catalog.storages().map(\.name))
        let databases = Set(desired.databases.map(\.name)).union(try await catalog.databases().map(\.name))
        let policies = Set(desired.policies.map(\.name)).union(try await catalog.policies().map(\.name)).union([RetentionPolicy.defaultName])
        for plan in desired.plans {
            _ = try CronExpression(parsing: plan.schedule)
            if plan.pitr && plan.method != .physical {
                throw ControlError(.invalidConfig, "the plan of \(plan.database) has pitr: true with method \(plan.method.rawValue)", hint: "WAL archiving needs physical base backups: add 'method: physical' to the plan.")
            }
            guard databases.contains(plan.database) else {
                throw ControlError(.databaseNotFound, "the plan names database \(plan.database), which is neither in the file nor registered", hint: "Add it under 'databases:'.")
            }
            // The engine can do what the plan asks (a SQLite file has no physical backups).
            if plan.method == .physical, let kind = try await desiredEngine(of: plan.database, in: desired) {
                try engines.requirePhysical(kind, database: plan.database, pitr: plan.pitr)
            }
            guard storages.contains(plan.storage) else {
                throw ControlError(.storageNotFound, "the plan of \(plan.database) names storage \(plan.storage), which is neither in the file nor registered", hint: "Add it under 'storages:'.")
            }
            guard policies.contains(plan.policy) else {
                throw ControlError(.policyNotFound, "the plan of \(plan.database) names policy \(plan.policy), which is neither in the file nor saved", hint: "Add it under 'policies:'.")
            }
        }
    }

    /// The engine of `name`: the file's entry, else the registered database's.
    private func desiredEngine(of name: String, in desired: DesiredState) async throws -> EngineKind? {
        if let database = desired.databases.first(where: { $0.name == name }) { return database.engine }
        return try await catalog.database(named: name)?.engine
    }

    private func change(for storage: DesiredState.Storage) async throws -> ApplyChange {
        guard let existing = try await catalog.storage(named: storage.name) else {
            return ApplyChange(kind: "storage", name: storage.name, action: .create, details: ["\(storage.settings.kind) \(storage.settings.location)"])
        }
        var details: [String] = []
        if existing.settings != storage.settings { details.append("settings: \(existing.settings.location) → \(storage.settings.location)") }
        if existing.secretAccessKey?.revealed != storage.secret?.revealed { details.append("secret access key changed") }
        return ApplyChange(kind: "storage", name: storage.name, action: details.isEmpty ? .unchanged : .update, details: details)
    }

    private func change(for policy: RetentionPolicy) async throws -> ApplyChange {
        guard let existing = try await catalog.policy(named: policy.name) else {
            return ApplyChange(kind: "policy", name: policy.name, action: .create, details: [Self.describe(policy)])
        }
        // A file without pitrDays leaves the saved one, as `policy set` without --pitr-days does.
        var policy = policy
        if policy.pitrDays == nil { policy.pitrDays = existing.pitrDays }
        guard existing != policy else { return ApplyChange(kind: "policy", name: policy.name, action: .unchanged) }
        return ApplyChange(kind: "policy", name: policy.name, action: .update, details: ["\(Self.describe(existing)) → \(Self.describe(policy))"])
    }

    private func change(for database: DesiredState.Database) async throws -> ApplyChange {
        let url = DatabaseURL.render(database.connection, engine: database.engine)
        guard let existing = try await catalog.database(named: database.name) else {
            return ApplyChange(kind: "database", name: database.name, action: .create, details: [url])
        }
        var details: [String] = []
        if existing.engine != database.engine { details.append("engine: \(existing.engine.rawValue) → \(database.engine.rawValue)") }
        if existing.connection != database.connection { details.append("url: \(DatabaseURL.render(existing.connection, engine: existing.engine)) → \(url)") }
        if existing.password?.revealed != database.password?.revealed { details.append("password changed") }
        return ApplyChange(kind: "database", name: database.name, action: details.isEmpty ? .unchanged : .update, details: details)
    }

    private func change(for plan: DesiredState.Plan) async throws -> ApplyChange {
        guard let existing = try await catalog.plan(database: plan.database) else {
            let archiving = plan.pitr ? ", \(plan.method.rawValue) with WAL archiving" : ""
            return ApplyChange(kind: "plan", name: plan.database, action: .create, details: ["\(plan.schedule) to \(plan.storage), policy \(plan.policy)\(archiving)\(plan.paused ? ", paused" : "")"])
        }
        var details: [String] = []
        func compare(_ field: String, _ old: String, _ new: String) { if old != new { details.append("\(field): \(old) → \(new)") } }
        compare("storage", existing.storage, plan.storage)
        compare("schedule", existing.schedule, plan.schedule)
        compare("policy", existing.policy, plan.policy)
        compare("method", existing.method.rawValue, plan.method.rawValue)
        compare("pitr", String(existing.pitr), String(plan.pitr))
        compare("paused", String(existing.isPaused), String(plan.paused))
        return ApplyChange(kind: "plan", name: plan.database, action: details.isEmpty ? .unchanged : .update, details: details)
    }

    /// The change that makes a saved policy equal to `policy` (every field set; no `within`
    /// is 0, which removes the rule).
    private static func policyChange(_ policy: RetentionPolicy) -> PolicyChange {
        PolicyChange(
            last: policy.last, hourly: policy.hourly, daily: policy.daily, weekly: policy.weekly, monthly: policy.monthly,
            yearly: policy.yearly, within: policy.within ?? 0, days: policy.days, keepsFinal: policy.keepsFinal, pitrDays: policy.pitrDays
        )
    }

    private static func describe(_ policy: RetentionPolicy) -> String {
        policy.summary
    }
}
