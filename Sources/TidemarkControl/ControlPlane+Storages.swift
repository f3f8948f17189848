import Foundation
package import TidemarkCore
package import TidemarkRepository

extension ControlPlane {
    /// Registers a storage and initializes its repository, or attaches the repository already
    /// there when the passphrase opens it. Nothing is saved unless the repository works.
    /// - Throws: `invalid-name`, `name-conflict`, storage errors (not writable, full),
    ///   `wrong-passphrase`.
    package func addStorage(name: String, settings: StorageSettings) async throws -> StorageRecord {
        try NameRule.validate(name, what: "storage")
        if try await catalog.storage(named: name) != nil {
            // Checked before the repository is initialized, so a taken name touches no storage.
            throw ControlError(.nameTaken, "a storage named \(name) already exists", hint: "Choose another name, or remove it first with 'tidemark storage remove \(name)'.")
        }
        let store = try await openStore(settings, true)
        let passphrase = try passphrase()
        let repository: Repository
        if try await store.size(of: RepositoryLayout.config) != nil {
            repository = try await Repository.open(store, passphrase: passphrase, now: now)
        } else {
            repository = try await Repository.initialize(in: store, passphrase: passphrase, now: now)
        }
        let record = StorageRecord(name: name, settings: settings, repositoryID: repository.config.id, createdAt: now())
        try await catalog.insertStorage(record)
        return record
    }

    /// Every registered storage.
    package func storages() async throws -> [StorageRecord] {
        try await catalog.storages()
    }

    /// The storage named `name`.
    /// - Throws: `ControlError` `storage-not-found`.
    package func storage(named name: String) async throws -> StorageRecord {
        guard let storage = try await catalog.storage(named: name) else {
            throw ControlError(.storageNotFound, "storage \(name) does not exist", hint: "Run 'tidemark storage list' to see registered storages.")
        }
        return storage
    }

    /// Forgets a storage. Its repository and backups stay where they are.
    /// - Throws: `ControlError` `storage-in-use` when the catalog still lists backups in it.
    package func removeStorage(named name: String) async throws {
        _ = try await storage(named: name)
        let count = try await catalog.backupCount(inStorage: name)
        guard count == 0 else {
            throw ControlError(.storageInUse, "storage \(name) still holds \(count) backup(s)", hint: "Purge them first ('tidemark backup list' shows them); the repository itself is never deleted by Tidemark.")
        }
        try await catalog.deleteStorage(named: name)
    }

    /// Opens the repository of `storage`, checking it is the one registered.
    package func openRepository(_ storage: StorageRecord) async throws -> Repository {
        let store = try await openStore(storage.settings, false)
        let repository = try await Repository.open(store, passphrase: try passphrase(), now: now)
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
    func resolveStorage(_ name: String?) async throws -> StorageRecord {
        if let name { return try await storage(named: name) }
        let all = try await catalog.storages()
        guard all.count == 1, let only = all.first else {
            throw ControlError(
                .storageRequired,
                all.isEmpty ? "no storage is registered" : "\(all.count) storages are registered and none was chosen",
                hint: all.isEmpty ? "Add one with 'tidemark storage add NAME --local DIR'." : "Pass --storage NAME."
            )
        }
        return only
    }
}
