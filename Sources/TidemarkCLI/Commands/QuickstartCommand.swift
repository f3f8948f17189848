import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore
import TidemarkEnvironment
import TidemarkStorage
import TidemarkEngines

/// `tidemark quickstart`: the whole product in one run on embedded defaults.
struct QuickstartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quickstart",
        abstract: "Start a throwaway PostgreSQL with sample data, back it up to a local repository, verify, restore, and explain each step.",
        discussion: "Everything lives in a new temporary directory (or --workdir), which is removed afterwards unless --keep is given."
    )

    @Option(name: .long, help: ArgumentHelp("Directory to work in (must not exist).", valueName: "dir")) var workdir: String?
    @Option(name: .long, help: "Rows of sample orders.") var rows = 200_000
    @Flag(name: .long, help: "Keep the directory and leave PostgreSQL running.") var keep = false

    func run() async throws {
        let console = Console(format: .text)
        let directory = workdir ?? FileManager.default.temporaryDirectory.appendingPathComponent("tidemark-quickstart-\(Identifier.make())").path
        do {
            try await quickstart(in: directory, console: console)
        } catch let error as any UserFacingError {
            console.error(error)
            throw ExitCode(ExitCodes.code(for: error.category))
        }
    }

    private func quickstart(in directory: String, console: Console) async throws {
        guard !FileManager.default.fileExists(atPath: directory) else {
            throw TidemarkError(code: "workdir-exists", message: "\(directory) already exists", hint: "Pass a new --workdir.", category: .conflict)
        }
        let home = "\(directory)/home"
        var environment = ProcessInfo.processInfo.environment
        if environment["TIDEMARK_PASSPHRASE"]?.isEmpty ?? true {
            environment["TIDEMARK_PASSPHRASE"] = "quickstart-\(Identifier.make())"
            console.line("• TIDEMARK_PASSPHRASE is not set: using a throwaway passphrase for this demo repository")
        }
        let runner = SubprocessRunner()
        let port = try FreePort.loopback()
        console.line("• starting a throwaway PostgreSQL on 127.0.0.1:\(port) in \(directory)/postgres")
        let instance = try await LocalPostgresInstance.create(
            in: "\(directory)/postgres",
            port: port,
            password: Secret("quickstart-\(Identifier.make())"),
            tools: PostgresTools.discover(environment: environment),
            runner: runner
        )
        do {
            try await withS3HTTPClient { http in
                try await demo(instance: instance, home: home, http: http, directory: directory, environment: environment, console: console)
            }
        } catch {
            await finish(instance: instance, directory: directory, console: console)
            throw error
        }
        await finish(instance: instance, directory: directory, console: console)
    }

    private func demo(instance: LocalPostgresInstance, home: String, http: S3HTTPClient, directory: String, environment: [String: String], console: Console) async throws {
        try await instance.execute("CREATE DATABASE shop;")
        try await instance.execute(SampleData.sql(rows: rows), database: "shop")
        console.line("• created database shop with sample data (customers, products, orders; jsonb, bytea, arrays, NULLs, non-ASCII text)")

        let control = try Environment.live(home: home, http: http, environment: environment)
        let storage = try await control.storages.add(name: "local1", settings: .local(path: "\(directory)/backups"))
        console.line("• tidemark storage add local1 --local \(storage.settings.location)   (repository \(storage.repositoryID), encrypted)")
        let url = DatabaseURL.render(instance.target(database: "shop").connection, engine: .postgres, password: instance.password, revealPassword: true)
        let (database, version, _) = try await control.databases.add(name: "shop", engine: .postgres, url: url)
        console.line("• tidemark db add shop --engine postgres --url \(DatabaseRepresentation(database).url)   (PostgreSQL \(version); password stored sealed)")

        let (observer, bar) = ProgressBar.observer(label: "backup shop", enabled: true)
        let backup = try await control.backups.create(database: "shop", observer: observer)
        bar?.finish()
        console.line("• tidemark backup create shop → \(backup.id): \(HumanFormat.bytes(backup.logicalBytes)) dumped, \(HumanFormat.bytes(backup.storedBytes)) stored")
        for table in backup.databases.flatMap(\.tables) {
            console.line("    \(table.qualifiedName): \(table.rows) rows, \(HumanFormat.bytes(table.bytes))")
        }
        let second = try await control.backups.create(database: "shop")
        console.line("• a second backup with no changes (\(second.id)) stored only \(HumanFormat.bytes(second.storedBytes)): chunks are deduplicated")

        let (report, _) = try await control.backups.verify(id: backup.id, readData: true)
        console.line("• tidemark backup verify \(backup.id) --read-data → healthy: \(report.chunksChecked) chunks re-hashed")

        let restored = try await control.restores.start(RestoreRequest(backupID: backup.id, newName: "shop_restored"))
        console.line("• tidemark restore \(backup.id) --to shop_restored → \(restored.url)")
        for table in ["customers", "products", "orders"] {
            let original = try await instance.execute("SELECT count(*) FROM \(table);", database: "shop").trimmingCharacters(in: .whitespacesAndNewlines)
            let copy = try await instance.execute("SELECT count(*) FROM \(table);", database: "shop_restored").trimmingCharacters(in: .whitespacesAndNewlines)
            console.line("    \(table): \(original) rows in shop, \(copy) in shop_restored\(original == copy ? "" : "  ← MISMATCH")")
        }
        let one = try await control.restores.start(RestoreRequest(backupID: backup.id, newName: "just_products", table: "public.products"))
        console.line("• tidemark restore \(backup.id) --to just_products --table public.products → \(one.url)")

        let exportPath = "\(directory)/shop.dump"
        if FileManager.default.createFile(atPath: exportPath, contents: nil), let handle = FileHandle(forWritingAtPath: exportPath) {
            _ = try await control.backups.export(id: backup.id) { try handle.write(contentsOf: $0) }
            try handle.close()
            console.line("• tidemark backup export \(backup.id) --out \(exportPath)   (a plain pg_dump archive: pg_restore -l \(exportPath) lists it)")
        }
        let purge = try await control.backups.purge(id: second.id)
        console.line("• tidemark backup purge \(second.id) → \(purge.garbageCollection?.packsDeleted ?? 0) packs deleted (the first backup still uses the rest)")
        console.line("• tidemark op list → \(try await control.operations.list(status: nil).count) operations recorded in \(home)/catalog.sqlite")
    }

    private func finish(instance: LocalPostgresInstance, directory: String, console: Console) async {
        if keep {
            console.line("• kept \(directory); PostgreSQL still runs on port \(instance.port) (stop it with: pg_ctl -D \(instance.dataDirectory) stop)")
            return
        }
        await instance.stop()
        try? FileManager.default.removeItem(atPath: directory)
        console.line("• stopped PostgreSQL and removed \(directory)")
    }
}
