import Foundation
package import TidemarkCore
import TidemarkRepository

/// Storages (SPEC §4.4): registration with its connection test and repository, changes,
/// removal, and opening a storage's repository for the jobs. It sees the catalog, the store
/// opener and connection test, the passphrase, the keys this process unlocked, the clock and
/// the webhooks (a failed connection test is an event).
package struct StorageService: Sendable {
    let catalog: any Catalog
    let openStore: ControlPlane.StoreOpener
    let testConnection: ControlPlane.ConnectionTester
    let passphrase: @Sendable () throws -> Secret<String>
    let unlockedKeys: UnlockedKeys
    let now: @Sendable () -> Date
    let webhooks: WebhookService
}

extension StorageService {
    /// Runs the storage connection test on settings that are not saved yet (the dashboard's
    /// Test connection button). Nothing is recorded; a local directory that does not exist is
    /// created, exactly as saving the storage would.
    package func testSettings(_ settings: StorageSettings, secret: Secret<String>?, existing name: String? = nil) async throws -> ConnectionTestReport {
        var secret = secret
        if let name, secret == nil {
            // An edit form leaves the key blank to keep the stored one.
            secret = try await get(named: name).secretAccessKey
        }
        return await testConnection(try await openStore(try settings.normalized(), secret, name == nil ? .create : .connectionTest))
    }

    /// Registers a storage: runs the connection test, then initializes its repository, or
    /// attaches the repository already there when the passphrase opens it. Nothing is saved
    /// unless both work.
    /// - Throws: `invalid-name`, `name-conflict`, `ConnectionTestFailedError` (its code is the
    ///   failure category), storage errors, `wrong-passphrase`.
    /// - Parameter existingOnly: refuse a place that holds no repository yet instead of
    ///   initializing one (`storage attach`), with `repository-not-found`.
    /// - Parameter copyOf: a registered storage whose chunking (id key, chunker parameters) the
    ///   new repository shares, with its own encryption key, so copies move sealed chunks
    ///   without cutting them again (`storage add --copy-of`). Ignored when a repository is
    ///   there already.
    package func add(name: String, settings: StorageSettings, secret: Secret<String>? = nil, existingOnly: Bool = false, copyOf: String? = nil) async throws -> StorageRecord {
        try NameRule.validate(name, what: "storage")
        let settings = try settings.normalized()
        if try await catalog.storage(named: name) != nil {
            // Checked before the repository is initialized, so a taken name touches no storage.
            throw ControlError(.nameTaken, "a storage named \(name) already exists", hint: "Choose another name, or remove it first with 'tidemark storage remove \(name)'.")
        }
        try await refuseOverlap(with: settings, name: name)
        // The source is opened first: a wrong name or passphrase leaves the new place untouched.
        var source: Repository?
        if let copyOf { source = try await openRepository(try await get(named: copyOf)) }
        let report = await testConnection(try await openStore(settings, secret, .create))
        guard report.passed else { throw ConnectionTestFailedError(report: report) }
        let store = try await openStore(settings, secret, .work)
        let passphrase = try passphrase()
        let repository: Repository
        if try await store.size(of: RepositoryLayout.config) != nil {
            repository = try await Repository.open(store, passphrase: passphrase, now: now)
        } else if existingOnly {
            throw ControlError(
                .repositoryNotFound, "\(settings.location) holds no Tidemark repository",
                hint: "Check the directory, bucket and prefix; 'tidemark storage add' creates a new repository."
            )
        } else {
            repository = try await Repository.initialize(in: store, passphrase: passphrase, sharingChunkingWith: source, now: now)
        }
        try await refuseSharedRepository(repository.config.id, name: name)
        let record = StorageRecord(name: name, settings: settings, repositoryID: repository.config.id, createdAt: now(), secretAccessKey: secret)
        try await catalog.insertStorage(record)
        return record
    }

    /// Refuses settings that name the place of another storage, or a place inside or around
    /// it: retention and garbage collection of one would delete the other's data.
    /// - Throws: `ControlError` `storage-overlap`.
    private func refuseOverlap(with settings: StorageSettings, name: String) async throws {
        for other in try await catalog.storages() where other.name != name {
            guard let normalized = try? other.settings.normalized(), normalized.overlaps(settings) else { continue }
            throw ControlError(
                .storageOverlap,
                "\(settings.location) overlaps storage \(other.name) (\(other.settings.location))",
                hint: "Use storage \(other.name) itself, or give this storage its own directory or bucket prefix that is neither inside nor around it."
            )
        }
    }

    /// Refuses a second registration of one repository (reached by another spelling: a link,
    /// another endpoint name), for the same reason as ``refuseOverlap(with:name:)``.
    private func refuseSharedRepository(_ repositoryID: String, name: String) async throws {
        if let other = try await catalog.storages().first(where: { $0.repositoryID == repositoryID && $0.name != name }) {
            throw ControlError(
                .storageOverlap,
                "the repository there (\(repositoryID)) is already registered as storage \(other.name)",
                hint: "Use storage \(other.name); one repository is registered once."
            )
        }
    }

    /// Changes where or how a storage is reached (endpoint, credentials, addressing). Saved only
    /// when the connection test passes and the same repository is found at the new settings.
    /// - Throws: `storage-not-found`, `ConnectionTestFailedError`, `repository-mismatch`.
    package func update(name: String, settings: StorageSettings, secret: Secret<String>?) async throws -> StorageRecord {
        var record = try await get(named: name)
        guard record.settings.kind == settings.kind else {
            throw ControlError(.storageKindChange, "storage \(name) is a \(record.settings.kind) storage and cannot become \(settings.kind)", hint: "Add a new storage instead.")
        }
        let settings = try settings.normalized()
        try await refuseOverlap(with: settings, name: name)
        let report = await testConnection(try await openStore(settings, secret, .connectionTest))
        guard report.passed else { throw ConnectionTestFailedError(report: report) }
        record.settings = settings
        record.secretAccessKey = secret
        _ = try await openRepository(record)
        try await catalog.updateStorage(record)
        return record
    }

    /// Runs the connection test on a registered storage.
    package func test(named name: String) async throws -> ConnectionTestReport {
        let record = try await get(named: name)
        let report = await testConnection(try await openStore(record.settings, record.secretAccessKey, .connectionTest))
        if let failure = report.failure {
            await webhooks.notify(Notice(
                .storageTestFailed, status: "failed", storage: name,
                message: "connection test of storage \(name) failed (\(failure.category)): \(failure.message)"
            ))
        }
        return report
    }

    /// Every registered storage.
    package func list() async throws -> [StorageRecord] {
        try await catalog.storages()
    }

    /// The storage named `name`.
    /// - Throws: `ControlError` `storage-not-found`.
    package func get(named name: String) async throws -> StorageRecord {
        guard let storage = try await catalog.storage(named: name) else {
            throw ControlError(.storageNotFound, "storage \(name) does not exist", hint: "Run 'tidemark storage list' to see registered storages.")
        }
        return storage
    }

    /// Forgets a storage. Its repository and backups stay where they are.
    /// - Throws: `ControlError` `storage-in-use` when the catalog still lists backups in it.
    package func remove(named name: String) async throws {
        _ = try await get(named: name)
        let count = try await catalog.backupCount(inStorage: name)
        guard count == 0 else {
            throw ControlError(.storageInUse, "storage \(name) still holds \(count) backup(s)", hint: "Purge them first ('tidemark backup list' shows them); the repository itself is never deleted by Tidemark.")
        }
        let plans = try await catalog.plans().filter { $0.storage == name || $0.copyTo == name }.map(\.database)
        guard plans.isEmpty else {
            throw ControlError(
                .storageInUse,
                "storage \(name) is used by the plan of \(plans.joined(separator: ", "))",
                hint: "Move the plan first: 'tidemark plan set \(plans[0]) --storage OTHER'."
            )
        }
        try await catalog.deleteStorage(named: name)
    }

    /// Opens the repository of `storage`, checking it is the one registered.
    func openRepository(_ storage: StorageRecord) async throws -> Repository {
        let store = try await openStore(storage.settings, storage.secretAccessKey, .work)
        let repository = try await Repository.open(store, passphrase: try passphrase(), unlocked: unlockedKeys, now: now)
        guard repository.config.id == storage.repositoryID else {
            throw ControlError(
                .repositoryMismatch,
                "storage \(storage.name) now holds repository \(repository.config.id), not \(storage.repositoryID) it was registered with",
                hint: "Check the storage location; register the new repository under a new name."
            )
        }
        return repository
    }

    /// The storage a backup goes to: the one named, or the only one registered.
    func resolve(_ name: String?) async throws -> StorageRecord {
        if let name { return try await get(named: name) }
        let all = try await catalog.storages()
        guard all.count == 1, let only = all.first else {
            throw ControlError(
                .storageRequired,
                all.isEmpty ? "no storage is registered" : "\(all.count) storages are registered and none was chosen",
                hint: all.isEmpty ? "Add one with 'tidemark storage add NAME --local DIR' or '--s3 …'." : "Pass --storage NAME."
            )
        }
        return only
    }
}

extension ControlPlane {
    /// Storages: registration, tests, changes, removal.
    package var storages: StorageService {
        StorageService(
            catalog: catalog, openStore: openStore, testConnection: testConnection, passphrase: passphrase,
            unlockedKeys: unlockedKeys, now: now, webhooks: webhooks
        )
    }

    /// The storage named `name` (for the jobs).
    /// - Throws: `storage-not-found`.
    func storage(named name: String) async throws -> StorageRecord { try await storages.get(named: name) }

    /// The storage a backup goes to: the one named, or the only one registered.
    func resolveStorage(_ name: String?) async throws -> StorageRecord { try await storages.resolve(name) }

    /// Opens the repository of `storage`, checking it is the one registered.
    func openRepository(_ storage: StorageRecord) async throws -> Repository { try await storages.openRepository(storage) }
}
