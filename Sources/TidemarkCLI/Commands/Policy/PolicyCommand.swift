import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark policy …`
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Retention policies: how long automatic backups are kept.",
        subcommands: [PolicySet.self, PolicyShow.self, PolicyList.self]
    )
}

/// Whether a yes/no flag value.
enum YesNo: String, ExpressibleByArgument {
    case yes, no
}

/// `tidemark policy set NAME [--last N] [--hourly N --daily N --weekly N --monthly N --yearly N] [--within DURATION] [--days N] [--keep-final yes|no] [--dry-run] [--confirm]`
struct PolicySet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Create or change a retention policy.",
        discussion: """
            Count-based (default: within 1d, 24 hourly, 30 daily, 12 monthly, 6 yearly): keep the newest N \
            (--last), the last backup of each of the last N hours, days, weeks (from Monday), months and years \
            (UTC), and everything younger than --within (2d, 36h, 1w, 90min; 0 removes it). Day-based \
            (--days N): keep backups younger than N days. Manual backups are never deleted; final backups are \
            kept unless --keep-final no. A change that would delete backups is refused without --confirm; \
            --dry-run lists what would go.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Policy name ('default' is used by plans that name none).") var name: String
    @Option(name: .long, help: "Newest automatic backups to keep, whatever their age.") var last: Int?
    @Option(name: .long, help: "Hourly backups to keep (the last of each hour).") var hourly: Int?
    @Option(name: .long, help: "Daily backups to keep.") var daily: Int?
    @Option(name: .long, help: "Weekly backups to keep (weeks start on Monday).") var weekly: Int?
    @Option(name: .long, help: "Monthly backups to keep.") var monthly: Int?
    @Option(name: .long, help: "Yearly backups to keep.") var yearly: Int?
    @Option(name: .long, help: ArgumentHelp("Also keep every backup younger than this (2d, 36h, 1w, 90min; 0 removes it).", valueName: "duration")) var within: String?
    @Option(name: .long, help: "Keep backups younger than this many days instead of counting.") var days: Int?
    @Option(name: .long, help: "Take and keep a final backup on deprovision: yes or no.") var keepFinal: YesNo?
    @Option(name: .long, help: "Days of point-in-time recovery kept for plans with --pitr (default 1).") var pitrDays: Int?
    @Flag(name: .long, help: "Only list the backups the change would delete.") var dryRun = false
    @Flag(name: .long, help: "Save even though backups will be deleted.") var confirm = false

    func run() async throws {
        try await global.run { context in
            let change = PolicyChange(
                last: last, hourly: hourly, daily: daily, weekly: weekly, monthly: monthly, yearly: yearly,
                within: try within.map(RetentionDuration.parse), days: days, keepsFinal: keepFinal.map { $0 == .yes }, pitrDays: pitrDays
            )
            let update = try await context.control().plans.setPolicy(named: name, change, dryRun: dryRun, confirm: confirm)
            if context.isJSON {
                return try context.console.json(PolicyUpdateRepresentation(update))
            }
            let console = context.console
            if !update.deletions.isEmpty {
                console.line("\(update.isSaved ? "Deleted" : "Would delete") \(update.deletions.count) backup\(update.deletions.count == 1 ? "" : "s"):")
                console.table(
                    ["ID", "DATABASE", "DATA FROM", "TRIGGER", "REASON"],
                    update.deletions.map { [$0.backup.id, $0.backup.database, TimeText.iso($0.backup.startedAt), $0.backup.trigger.rawValue, $0.decision.reason] }
                )
            }
            for wal in update.walDeletions {
                console.line("Would delete \(wal.files) archived WAL file\(wal.files == 1 ? "" : "s") of \(wal.database) (\(HumanFormat.bytes(wal.bytes)) stored), older than its oldest base backup kept")
            }
            if update.isSaved {
                console.line("policy \(update.policy.name) saved: \(update.policy.summary)")
            } else {
                console.line("dry run: policy \(update.policy.name) not saved (\(update.policy.summary))\(update.deletions.isEmpty ? "; no backup would be deleted" : "")")
            }
        }
    }
}


/// `tidemark policy show NAME`: the settings and every backup's decision under it.
struct PolicyShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a policy and why each backup is kept or deleted.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Policy name.") var name: String

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let (policy, plans, items) = try await control.plans.policyDetails(named: name)
            if context.isJSON {
                return try context.console.json(PolicyShowRepresentation(policy: PolicyRepresentation(policy), databases: plans, decisions: items.map(RetentionDecisionRepresentation.init)))
            }
            context.console.line("policy \(policy.name): \(policy.summary)")
            context.console.line("used by: \(plans.isEmpty ? "no plan" : plans.joined(separator: ", "))")
            if !items.isEmpty {
                context.console.line()
                context.console.table(
                    ["ID", "DATABASE", "DATA FROM", "TRIGGER", "DECISION"],
                    items.map { [$0.backup.id, $0.backup.database, TimeText.iso($0.backup.startedAt), $0.backup.trigger.rawValue, $0.decision.reason] }
                )
            }
        }
    }
}


/// `tidemark policy list`
struct PolicyList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List retention policies.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.run { context in
            let policies = try await context.control().plans.policies()
            if context.isJSON { return try context.console.json(policies.map(PolicyRepresentation.init)) }
            context.console.table(["NAME", "RULES"], policies.map { [$0.name, $0.summary] })
        }
    }
}
