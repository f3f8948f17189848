import Foundation
import Logging
import Testing
@testable import TidemarkCLI
import TidemarkCatalog
import TidemarkControl
import TidemarkCore
import TidemarkEnvironment
import TidemarkEngines
import TidemarkRepository
import TidemarkStorage
import TidemarkTesting

@Suite struct CrashBeforeManifestTests {
    @Test("when the manifest cannot be written, the backup is failed, not completed, and the repository has no backup")
    func manifestWriteFails() async throws {
        try await withTemporaryPostgres { postgres in
            try await withTemporaryDirectory { directory in
                try await postgres.execute("CREATE DATABASE shop;")
                try await postgres.execute(awkwardSchema, database: "shop")
                let repositoryPath = "\(directory)/repo"
                let control = try Environment.embedded(
                    directory: directory,
                    passphrase: { Secret("pass") },
                    logger: Logger(label: "test"),
                    wrapStore: { store, _ in
                        FaultyObjectStore(base: store).failing(
                            .put, matching: "snapshots/", with: TidemarkError(code: "simulated-crash", message: "the process died", category: .internal)
                        )
                    }
                )
                _ = try await control.storages.add(name: "local1", settings: .local(path: repositoryPath))
                let url = DatabaseURL.render(postgres.target(database: "shop").connection, engine: .postgres, password: postgres.password, revealPassword: true)
                _ = try await control.databases.add(name: "shop", engine: .postgres, url: url)

                let error = await #expect(throws: TidemarkError.self) { _ = try await control.backups.create(database: "shop") }
                #expect(error?.code == "simulated-crash")

                let backups = try await control.backups.list(matching: BackupFilter())
                #expect(backups.map(\.status) == [.failed])
                #expect(backups.first?.error?.code == "simulated-crash")
                let operation = try #require(try await control.operations.list(status: .failed).first)
                #expect(operation.step == "writing manifest")
                #expect(operation.lastError?.code == "simulated-crash")
                let packs = try await LocalDirectoryObjectStore(root: repositoryPath).list(prefix: "data/")
                #expect(!packs.isEmpty)
                #expect(try await LocalDirectoryObjectStore(root: repositoryPath).list(prefix: "snapshots/").isEmpty)
                let restore = await #expect(throws: ControlError.self) {
                    _ = try await control.restores.start(RestoreRequest(backupID: backups[0].id, newName: "from_failed"))
                }
                #expect(restore?.kind == .backupNotRestorable)
            }
        }
    }
}
