import Foundation
package import TidemarkCore
import TidemarkRepository

/// What `storage attach` found and did (SPEC §4.12).
package struct AttachReport: Sendable, Equatable {
    package var storage: StorageRecord
    /// False when the storage was registered already and only re-read.
    package var storageAdded: Bool
    /// Manifests found in the repository.
    package var manifests: Int
    /// Backups the catalog did not know, now recorded.
    package var backupsAdded: Int
    /// Backups the catalog already listed (matched by id), left as they are.
    package var backupsKnown: Int
    /// The databases the added backups belong to.
    package var databases: [AttachedDatabase]
    /// Manifests that could not be read, with the reason; their backups are not recorded.
    package var unreadable: [AttachProblem]
    /// Backups whose manifests predate the `origin` field and whose database is not
    /// registered: nothing tells where the database lived.
    package var withoutOrigin: [AttachProblem]
}

/// One database `storage attach` recorded backups for.
package struct AttachedDatabase: Sendable, Equatable {
    /// Its name in this catalog.
    package var name: String
    /// The name its manifests give, when another database of this catalog has it.
    package var renamedFrom: String?
    /// Registered by this attach (false: it was registered already).
    package var registered: Bool
    /// A paused plan was made from the manifest's snapshot.
    package var planRestored: Bool
    /// Its newest backup is a final one: the database was deprovisioned.
    package var deprovisioned: Bool
    /// Tidemark ran its server as a managed instance; the instance is not recreated.
    package var wasManaged: Bool
    /// Its plan archived WAL; archiving is not turned on again by attach.
    package var wasArchiving: Bool
    package var backupsAdded: Int
}

/// A backup attach could not use, and why.
package struct AttachProblem: Sendable, Equatable {
    package var backupID: String
    package var message: String
}

extension ControlPlane {
    /// Registers the existing repository at `settings` as storage `name` and records every
    /// backup in it the catalog does not list yet, with the databases, plans and policies their
    /// manifests describe (``BackupOrigin``). Attaching a storage that is registered already
    /// re-reads it; backups known by id are never duplicated.
    ///
    /// Rebuilt databases have no password (re-enter it with `db update`), their plans are
    /// paused, WAL archiving is off and a managed instance becomes an external database at its
    /// old address: a catalog rebuilt next to a Tidemark that still runs must not compete
    /// with it. A database whose name this catalog already gives another database (another
    /// id) is registered as `<name>-<4 hex of its id>`.
    /// - Throws: `repository-not-found` when the place holds no repository, the storage
    ///   errors of `storage add`, `wrong-passphrase`, `name-conflict` when `name` is a storage
    ///   registered elsewhere.
    package func attachStorage(name: String, settings: StorageSettings, secret: Secret<String>?) async throws -> AttachReport {
        let (storage, added) = try await registerForAttach(name: name, settings: settings, secret: secret)
        let repository = try await openRepository(storage)
        let ids = try await repository.manifestIDs().sorted()
        var report = AttachReport(
            storage: storage, storageAdded: added, manifests: ids.count, backupsAdded: 0, backupsKnown: 0,
            databases: [], unreadable: [], withoutOrigin: []
        )
        var groups: [String: [BackupManifest]] = [:]
        for id in ids {
            let purged = try await catalog.wasPurged(backupID: id)
            if try await catalog.backup(id: id) != nil || purged {
                report.backupsKnown += 1
                continue
            }
            do {
                var manifest = try await repository.manifest(id: id)
                // Dump objects are not recorded in the catalog; restores read them from the manifest.
                manifest.dumpObjects = []
                groups[manifest.origin.map { "id:" + $0.databaseID } ?? "name:" + manifest.database, default: []].append(manifest)
            } catch {
                report.unreadable.append(AttachProblem(backupID: id, message: ErrorInfo(error).message))
            }
        }
        // Read once; the databases registered below are added to it.
        var registered = try await catalog.databases()
        // Databases with an origin first, so older manifests of the same database without one
        // find it by name.
        for key in groups.keys.sorted(by: { ($0.hasPrefix("id:") ? 0 : 1, $0) < ($1.hasPrefix("id:") ? 0 : 1, $1) }) {
            let manifests = (groups[key] ?? []).sorted { $0.finishedAt < $1.finishedAt }
            guard let newest = manifests.last else { continue }
            guard var attached = try await databaseForAttach(newest, storage: storage, registered: &registered) else {
                report.withoutOrigin += manifests.map {
                    AttachProblem(backupID: $0.id, message: "backup \($0.id) of \($0.database) has no origin and no database \($0.database) is registered")
                }
                continue
            }
            for manifest in manifests {
                do {
                    try await catalog.insertBackup(Self.backupRecord(manifest, database: attached.name, storage: storage.name))
                    attached.backupsAdded += 1
                    // The evidence of its last restore test travels with the backup.
                    if let test = try? await repository.restoreTest(backupID: manifest.id) {
                        try await catalog.recordRestoreTest(test)
                    }
                } catch let error as any UserFacingError where error.code == "backup-purged" {
                    // Purged while the manifest's deletion had not happened yet.
                    report.backupsKnown += 1
                }
            }
            report.backupsAdded += attached.backupsAdded
            report.databases.append(attached)
            await plans.refreshExpiriesLogging(database: attached.name)
        }
        report.databases.sort { $0.name < $1.name }
        return report
    }

    /// The storage to attach: registered now, or the one registered under `name` already
    /// when the settings reach the same place.
    private func registerForAttach(name: String, settings: StorageSettings, secret: Secret<String>?) async throws -> (StorageRecord, added: Bool) {
        guard let existing = try await catalog.storage(named: name) else {
            return (try await storages.add(name: name, settings: settings, secret: secret, existingOnly: true), true)
        }
        guard try existing.settings.normalized() == settings.normalized() else {
            throw ControlError(
                .nameTaken, "storage \(name) is registered at \(existing.settings.location), not \(settings.location)",
                hint: "Attach the repository under another name, or give the registered settings to re-read storage \(name)."
            )
        }
        return (existing, false)
    }

    /// The catalog's database for the manifests of one database (`newest` is the newest of
    /// them), registered from its origin when the catalog has none; nil when the manifest has
    /// no origin and no database of its name is registered.
    private func databaseForAttach(_ newest: BackupManifest, storage: StorageRecord, registered: inout [DatabaseRecord]) async throws -> AttachedDatabase? {
        guard let origin = newest.origin else {
            guard let match = registered.first(where: { $0.name == newest.database }) else { return nil }
            return AttachedDatabase(
                name: match.name, registered: false, planRestored: false, deprovisioned: match.deprovisionedAt != nil,
                wasManaged: match.managed != nil, wasArchiving: match.archivesWAL, backupsAdded: 0
            )
        }
        if let match = registered.first(where: { $0.id == origin.databaseID }) {
            return AttachedDatabase(
                name: match.name, renamedFrom: match.name == newest.database ? nil : newest.database, registered: false,
                planRestored: false, deprovisioned: match.deprovisionedAt != nil, wasManaged: origin.managed,
                wasArchiving: origin.plan?.pitr ?? false, backupsAdded: 0
            )
        }
        let taken = Set(registered.map(\.name))
        var name = newest.database
        if taken.contains(name) {
            let suffix = origin.databaseID.filter(\.isHexDigit).prefix(4)
            name = String("\(newest.database.prefix(58))-\(suffix)")
            while taken.contains(name) { name = "\(newest.database.prefix(51))-\(Identifier.make())" }
        }
        let deprovisionedAt = newest.trigger == .final ? newest.finishedAt : nil
        let database = DatabaseRecord(
            id: origin.databaseID, name: name, engine: newest.engine, connection: origin.connection, password: nil,
            createdAt: origin.registeredAt, deprovisionedAt: deprovisionedAt,
            walStreaming: origin.walNamespace.map { WALStreaming(namespace: $0, active: false) }
        )
        try await catalog.insertDatabase(database)
        registered.append(database)
        var planRestored = false
        if deprovisionedAt == nil, let snapshot = origin.plan, try await catalog.plan(database: name) == nil {
            try await savePausedPlan(snapshot, policy: origin.policy, database: name, fallbackStorage: storage.name)
            planRestored = true
        }
        return AttachedDatabase(
            name: name, renamedFrom: name == newest.database ? nil : newest.database, registered: true,
            planRestored: planRestored, deprovisioned: deprovisionedAt != nil, wasManaged: origin.managed,
            wasArchiving: origin.plan?.pitr ?? false, backupsAdded: 0
        )
    }

    /// The plan of a snapshot, paused and without WAL archiving, on the snapshot's storage
    /// when it is registered (else the attached one), with its policy created from the
    /// manifest when this catalog has none of that name.
    private func savePausedPlan(_ snapshot: PlanSnapshot, policy: RetentionPolicy?, database: String, fallbackStorage: String) async throws {
        var policyName = RetentionPolicy.defaultName
        if try await catalog.policy(named: snapshot.policy) != nil {
            policyName = snapshot.policy
        } else if let policy, policy.name == snapshot.policy {
            try await catalog.savePolicy(policy)
            policyName = policy.name
        }
        let storage = try await catalog.storage(named: snapshot.storage) != nil ? snapshot.storage : fallbackStorage
        let time = now()
        try await catalog.savePlan(PlanRecord(
            database: database, storage: storage, schedule: snapshot.schedule, policy: policyName, method: snapshot.method,
            isPaused: true, pitr: false, nextRunAt: nil, createdAt: time, updatedAt: time
        ))
    }

    /// The completed backup a manifest describes, as the catalog records it.
    private static func backupRecord(_ manifest: BackupManifest, database: String, storage: String) -> BackupRecord {
        var backup = BackupRecord(
            id: manifest.id, database: database, storage: storage, status: .completed, trigger: manifest.trigger,
            method: manifest.method, engine: manifest.engine, serverVersion: manifest.serverVersion,
            startedAt: manifest.startedAt, finishedAt: manifest.finishedAt, logicalBytes: manifest.logicalBytes,
            storedBytes: manifest.storedBytes, databases: manifest.databases, physical: manifest.physical
        )
        backup.warnings = manifest.warnings ?? []
        backup.copyOf = manifest.copyOf
        return backup
    }
}
