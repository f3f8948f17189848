import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

/// `tidemark db create NAME --engine postgres [--port P]`
struct DatabaseCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a managed PostgreSQL instance on this host and register it.",
        discussion: """
            Runs initdb (data checksums on) into <home>/instances/NAME/data as an unprivileged user (the \
            'postgres' system user when Tidemark runs as root), listening on 127.0.0.1 only with a generated \
            password (SCRAM), and starts it. The instance holds a database named NAME. The URL with the \
            password is printed once; the catalog keeps the password sealed. 'tidemark serve' restarts the \
            instance if it dies, unless it was stopped with 'tidemark db stop'. The plan takes physical base \
            backups unless --method logical is given.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the instance and of its database.") var name: String
    @Option(name: .long, help: "Engine: postgres (the only one that can be managed).") var engine: EngineKind = .postgres
    @Option(name: .long, help: "Loopback port (default: a free one).") var port: Int?
    @Option(name: .long, help: "Storage of the plan (default: the only one registered).") var storage: String?
    @Option(name: .long, help: "Schedule of the plan (six-field cron; default @daily).") var schedule: String?
    @Option(name: .long, help: "Retention policy of the plan (default: default).") var policy: String?
    @Option(name: .long, help: "Backup method of the plan: physical (default) or logical.") var method: BackupMethod = .physical
    @Flag(name: .long, help: "Create no backup plan.") var noPlan = false

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            guard try control.databases.capabilities(of: engine).managedInstances else {
                throw ValidationError("\(engine.rawValue) instances cannot be managed; register the server with 'tidemark db add'")
            }
            let change = noPlan ? nil : PlanChange(storage: storage, schedule: schedule, policy: policy, method: method)
            if !context.isJSON { context.console.note("creating managed instance \(name) (initdb, start)…") }
            let created = try await control.instanceService.create(name: name, port: port, plan: change)
            let status = await control.instanceService.status(of: created.database)
            if context.isJSON {
                return try context.console.json(CreatedInstanceRepresentation(created, status: status))
            }
            let managed = created.database.managed
            context.console.line("managed instance \(name) created and running on 127.0.0.1:\(managed?.port ?? 0)")
            context.console.line("url:  \(created.url.revealed)")
            context.console.line("      (the password is shown only now; it is stored sealed)")
            context.console.line("data: \(managed?.dataDirectory ?? "")")
            if let plan = created.plan {
                context.console.line("plan: \(plan.method.rawValue) backups \(plan.schedule) to \(plan.storage), policy \(plan.policy); next run \(PlanText.next(plan, now: control.now()))")
            } else if !noPlan {
                context.console.line("no plan yet (no storage registered): add a storage, then 'tidemark plan set \(name) --method physical'")
            }
        }
    }
}

/// `tidemark db start NAME`
struct DatabaseStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start a managed instance (and have serve keep it running)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the managed instance.") var name: String

    func run() async throws {
        try await changeInstanceState(name, global: global) { control in try await control.instanceService.start(named: name) }
    }
}

/// `tidemark db stop NAME`
struct DatabaseStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a managed instance (serve leaves it down until 'db start')."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the managed instance.") var name: String

    func run() async throws {
        try await changeInstanceState(name, global: global) { control in try await control.instanceService.stop(named: name) }
    }
}

/// Runs `change` and shows the instance's state after it (`db start`, `db stop`).
private func changeInstanceState(_ name: String, global: GlobalOptions, _ change: @escaping @Sendable (ControlPlane) async throws -> DatabaseRecord) async throws {
    try await global.run { context in
        let control = try context.control()
        let record = try await change(control)
        let status = await control.instanceService.status(of: record)
        if context.isJSON { return try context.console.json(DatabaseRepresentation(record, status: status)) }
        let kept = record.managed?.desiredState == .stopped ? "serve leaves it down until 'tidemark db start \(name)'" : "serve keeps it running"
        context.console.line("managed instance \(name) is \(status?.rawValue ?? "unknown") on 127.0.0.1:\(record.managed?.port ?? 0); \(kept)")
    }
}
