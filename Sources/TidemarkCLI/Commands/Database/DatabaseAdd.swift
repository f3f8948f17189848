import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

extension EngineKind: ExpressibleByArgument {}

/// `tidemark db add NAME --engine postgres --url URL`
struct DatabaseAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a database; its connection is checked first and its password stored sealed."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name for the database in Tidemark.") var name: String
    @Option(name: .long, help: "Engine: postgres, mariadb or sqlite.") var engine: EngineKind = .postgres
    @Option(name: .long, help: ArgumentHelp("Connection URL, e.g. postgres://user:pw@127.0.0.1:5432/shop.", valueName: "url")) var url: String
    @Option(name: .long, help: "Storage of the database's plan (default: the only one registered).") var storage: String?
    @Option(name: .long, help: "Schedule of the plan (six-field cron; default @daily).") var schedule: String?
    @Option(name: .long, help: "Retention policy of the plan (default: default).") var policy: String?
    @Option(name: .long, help: "Backup method of the plan: logical (default) or physical (pg_basebackup over a replication connection).") var method: BackupMethod?
    @Flag(name: .long, help: "Archive WAL continuously (point-in-time restores): physical base backups, and serve streams WAL with pg_receivewal over a replication slot. The role needs REPLICATION.") var pitr = false
    @Flag(name: .long, help: "Create no backup plan (no automatic backups).") var noPlan = false

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            if noPlan && (pitr || method != nil) {
                throw ValidationError("--no-plan cannot be combined with --method or --pitr, which set the plan")
            }
            let change = noPlan ? nil : PlanChange(storage: storage, schedule: schedule, policy: policy, method: pitr ? .physical : method, pitr: pitr ? true : nil)
            // A server's password, when the URL has none, is asked for apart from the URL.
            let needsPassword = (try? DatabaseURL(parsing: url, engine: engine))?.password == nil
                && (try? control.databases.capabilities(of: engine))?.location == .server
            let (database, version, plan) = try await control.databases.add(
                name: name, engine: engine, url: url, password: needsPassword ? Self.password() : nil, plan: change
            )
            if context.isJSON { return try context.console.json(DatabaseRepresentation(database)) }
            context.console.line("database \(database.name) added: \(DatabaseRepresentation(database).url) (server \(version))")
            if let plan {
                context.console.line("plan: \(plan.schedule) to \(plan.storage), policy \(plan.policy), method \(plan.method.rawValue)\(plan.pitr ? " with WAL streaming (serve runs pg_receivewal)" : ""); next run \(PlanText.next(plan, now: control.now()))")
            } else if !noPlan {
                context.console.line("no plan yet (no storage registered): add a storage, then 'tidemark plan set \(database.name)'")
            }
        }
    }

    /// The server password when the URL has none: `TIDEMARK_DB_PASSWORD`, else a hidden prompt
    /// on a terminal (never the command line, which other users can read in `ps`).
    static func password() -> Secret<String>? {
        if let value = ProcessInfo.processInfo.environment["TIDEMARK_DB_PASSWORD"], !value.isEmpty { return Secret(value) }
        guard isatty(STDIN_FILENO) == 1, let pointer = getpass("Database password (empty for none): ") else { return nil }
        let value = String(cString: pointer)
        return value.isEmpty ? nil : Secret(value)
    }
}
