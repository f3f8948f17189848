import Foundation
import Testing
@testable import TidemarkControl
import TidemarkCore
import TidemarkTesting

/// Requests refused up front leave nothing behind: no operation, no backup record.
@Suite struct PreflightTests {
    func code(of body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch {
            return (error as? any UserFacingError)?.code ?? "\(error)"
        }
    }

    @Test("a backup without a passphrase is refused before any record (foreground and queued)")
    func backupWithoutPassphrase() async throws {
        try await ControlHarness.with(passphrase: nil) { (harness: ControlHarness) async throws in
            #expect(await code { _ = try await harness.control.backups.create(database: "shop") } == "passphrase-missing")
            #expect(await code { _ = try await harness.control.backups.enqueue(database: "shop") } == "passphrase-missing")
            #expect(try await harness.operations().isEmpty)
            #expect(try await harness.backups().isEmpty)
        }
    }

    @Test("a backup of an unknown database, or to an unknown storage, is refused before any record")
    func backupOfUnknownThings() async throws {
        try await ControlHarness.with { (harness: ControlHarness) async throws in
            #expect(await code { _ = try await harness.control.backups.create(database: "nope") } == "database-not-registered")
            #expect(await code { _ = try await harness.control.backups.create(database: "shop", storage: "nope") } == "storage-not-found")
            #expect(try await harness.operations().isEmpty)
            #expect(try await harness.backups().isEmpty)
        }
    }

    @Test("a second backup while one is queued is refused with backup-in-progress, leaving one operation")
    func backupInProgress() async throws {
        try await ControlHarness.with { (harness: ControlHarness) async throws in
            let queued = try await harness.control.backups.enqueue(database: "shop")
            #expect(await code { _ = try await harness.control.backups.create(database: "shop") } == "backup-in-progress")
            #expect(await code { _ = try await harness.control.backups.enqueue(database: "shop") } == "backup-in-progress")
            #expect(try await harness.operations().map(\.id) == [queued.id])
            #expect(try await harness.backups().isEmpty)
        }
    }

    @Test("a restore into a name taken on the server is refused before any operation")
    func restoreIntoTakenName() async throws {
        try await ControlHarness.with(serverDatabases: ["shop", "taken"]) { (harness: ControlHarness) async throws in
            let backup = try await harness.control.backups.create(database: "shop")
            let before = try await harness.operations().count
            #expect(await code { _ = try await harness.control.restores.start(RestoreRequest(backupID: backup.id, newName: "taken")) } == "target-exists")
            #expect(await code { _ = try await harness.control.restores.enqueue(RestoreRequest(backupID: backup.id, newName: "taken")) } == "target-exists")
            #expect(await code { _ = try await harness.control.restores.start(RestoreRequest(backupID: backup.id, newName: "bad name!")) } == "invalid-name")
            #expect(await code { _ = try await harness.control.restores.start(RestoreRequest(backupID: "000000000000", newName: "fresh")) } == "backup-not-found")
            #expect(try await harness.operations().count == before)
        }
    }

    @Test("a one-table restore whose dependencies are not satisfied is refused before any operation")
    func tableRestoreWithMissingDependency() async throws {
        try await ControlHarness.with { (harness: ControlHarness) async throws in
            let backup = try await harness.control.backups.create(database: "shop")
            harness.engine.refuseRestores(with: TidemarkError(code: "missing-dependency", message: "orders references customers", category: .conflict))
            let before = try await harness.operations().count
            let request = RestoreRequest(backupID: backup.id, newName: "one_table", table: "orders")
            #expect(await code { _ = try await harness.control.restores.start(request) } == "missing-dependency")
            #expect(await code { _ = try await harness.control.restores.enqueue(request) } == "missing-dependency")
            #expect(await code { _ = try await harness.control.restores.start(RestoreRequest(backupID: backup.id, newName: "x", table: "a.b.c")) } == "invalid-table-name")
            #expect(try await harness.operations().count == before)
        }
    }

    @Test("verify, purge and prune refuse what they cannot do before any operation")
    func otherRefusals() async throws {
        try await ControlHarness.with { (harness: ControlHarness) async throws in
            #expect(await code { _ = try await harness.control.backups.verify(id: "000000000000", readData: false) } == "backup-not-found")
            #expect(await code { _ = try await harness.control.backups.enqueuePurge(id: "000000000000") } == "backup-not-found")
            #expect(await code { _ = try await harness.control.operations.prune(olderThanDays: 0) } == "invalid-input")
            #expect(await code { _ = try await harness.control.operations.enqueuePrune(olderThanDays: 40_000) } == "invalid-input")
            #expect(try await harness.operations().isEmpty)
        }
    }
}
