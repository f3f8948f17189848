import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

extension BackupMethod: ExpressibleByArgument {}

/// `tidemark plan …`
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "How each database is backed up automatically: schedule, storage, retention policy.",
        subcommands: [PlanSet.self, PlanShow.self, PlanList.self, PlanPause.self, PlanResume.self]
    )
}

/// `tidemark plan set DB [--storage S] [--schedule CRON] [--policy P] [--method logical]`
struct PlanSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Create or change a database's plan.",
        discussion: """
            Schedules are six-field cron expressions in UTC: "sec min hour day-of-month month day-of-week", \
            e.g. "0 30 2 * * *" (02:30 every day) or "0 0 */6 * * MON-FRI"; prefix "TZ=Europe/Berlin " for \
            another zone; or @hourly, @daily, @weekly, @monthly. New plans use @daily and the default policy.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the database.") var database: String
    @Option(name: .long, help: "Storage for automatic backups.") var storage: String?
    @Option(name: .long, help: "Six-field cron schedule (see above).") var schedule: String?
    @Option(name: .long, help: "Retention policy name.") var policy: String?
    @Option(name: .long, help: "Backup method: logical or physical (managed instances).") var method: BackupMethod?
    @Flag(name: .long, inversion: .prefixedNo, help: "Continuous WAL archiving for point-in-time restores (physical plans of managed instances).")
    var pitr: Bool?
    @Option(name: .long, help: ArgumentHelp("With --pitr: days of point-in-time recovery the plan's policy keeps (sets the policy's --pitr-days).", valueName: "days"))
    var pitrDays: Int?
    @Option(name: .long, help: ArgumentHelp("Copy every completed backup to this storage as well (a second region).", valueName: "storage")) var copyTo: String?
    @Flag(name: .long, help: "Stop copying backups to another storage.") var noCopy = false

    func validate() throws {
        if noCopy && copyTo != nil { throw ValidationError("--copy-to and --no-copy cannot be combined.") }
    }

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let change = PlanChange(storage: storage, schedule: schedule, policy: policy, method: method, pitr: pitr, copyTo: noCopy ? "" : copyTo)
            let plan = try await control.plans.set(database: database, change)
            if let pitrDays {
                _ = try await control.plans.setPolicy(named: plan.policy, PolicyChange(pitrDays: pitrDays))
            }
            if context.isJSON { return try context.console.json(PlanRepresentation(plan)) }
            context.console.line("plan of \(plan.database) saved: \(plan.schedule) \(plan.method.rawValue) to \(plan.storage), policy \(plan.policy)\(plan.pitr ? ", WAL archived" : "")\(plan.copyTo.map { ", copied to \($0)" } ?? ""); next run \(PlanText.next(plan, now: control.now()))")
        }
    }
}

/// `tidemark plan show DB`
struct PlanShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a database's plan and its next run times.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the database.") var database: String

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let plan = try await control.plans.get(database: database)
            let upcoming = control.plans.upcomingRuns(of: plan, count: 5)
            let window = try await control.walArchive.window(database: database)
            if context.isJSON { return try context.console.json(PlanRepresentation(plan, upcomingRuns: upcoming, recoveryWindow: window)) }
            let policy = try await control.plans.policy(named: plan.policy)
            let console = context.console
            let now = control.now()
            console.line("database:  \(plan.database)")
            console.line("storage:   \(plan.storage)")
            if let copyTo = plan.copyTo { console.line("copies to: \(copyTo)") }
            console.line("schedule:  \(plan.schedule)")
            console.line("policy:    \(policy.name) (\(policy.summary))")
            console.line("method:    \(plan.method.rawValue)\(plan.pitr ? " + continuous WAL archiving" : "")")
            if plan.pitr || !window.isEmpty {
                if window.isEmpty { console.line("recovery:  no window yet (it starts with the first base backup after archiving began)") }
                for (index, range) in window.enumerated() {
                    console.line("\(index == 0 ? "recovery: " : "          ") \(TimeText.iso(range.earliest)) .. \(TimeText.iso(range.latest)) (timeline \(range.timeline))")
                }
            }
            console.line("status:    \(plan.isPaused ? "paused (no automatic backups)" : "active")")
            console.line("last run:  \(TimeText.iso(plan.lastRunAt))")
            if upcoming.isEmpty { console.line("next runs: none") }
            for (index, run) in upcoming.enumerated() {
                console.line("\(index == 0 ? "next runs:" : "          ") \(TimeText.iso(run)) (in \(HumanFormat.interval(from: now, to: run)))")
            }
        }
    }
}

/// `tidemark plan list`
struct PlanList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every plan.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let plans = try await control.plans.list()
            if context.isJSON { return try context.console.json(plans.map { PlanRepresentation($0) }) }
            if plans.isEmpty { return context.console.line("No plans. Create one with: tidemark plan set DB --storage S") }
            let now = control.now()
            context.console.table(
                ["DATABASE", "STORAGE", "SCHEDULE", "POLICY", "STATUS", "NEXT RUN"],
                plans.map { [$0.database, $0.storage, $0.schedule, $0.policy, $0.isPaused ? "paused" : "active", PlanText.next($0, now: now)] }
            )
        }
    }
}

/// `tidemark plan pause DB`
struct PlanPause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop automatic backups of a database (manual backups still work).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the database.") var database: String

    func run() async throws {
        try await global.run { context in
            let plan = try await context.control().plans.pause(database: database)
            if context.isJSON { return try context.console.json(PlanRepresentation(plan)) }
            context.console.line("plan of \(plan.database) paused: no automatic backups until 'tidemark plan resume \(plan.database)'")
        }
    }
}

/// `tidemark plan resume DB`
struct PlanResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume automatic backups from the next scheduled time.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the database.") var database: String

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let plan = try await control.plans.resume(database: database)
            if context.isJSON { return try context.console.json(PlanRepresentation(plan)) }
            context.console.line("plan of \(plan.database) resumed; next run \(PlanText.next(plan, now: control.now()))")
        }
    }
}

/// Shared wording for plan times.
enum PlanText {
    static func next(_ plan: PlanRecord, now: Date) -> String {
        if plan.isPaused { return "none (paused)" }
        guard let next = plan.nextRunAt else { return "none" }
        return "\(TimeText.iso(next)) (in \(HumanFormat.interval(from: now, to: next)))"
    }
}
