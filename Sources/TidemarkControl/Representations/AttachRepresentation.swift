import TidemarkCore

/// The documented JSON shape of what `storage attach` did.
package struct AttachRepresentation: Encodable, Sendable {
    package var storage: StorageRepresentation
    package var storageAdded: Bool
    package var manifests: Int
    package var backupsAdded: Int
    package var backupsKnown: Int
    package var databases: [Database]
    package var unreadable: [Problem]
    package var withoutOrigin: [Problem]

    /// One database the attach recorded backups for.
    package struct Database: Encodable, Sendable {
        package var name: String
        /// Null unless the manifests' name was taken by another database.
        package var renamedFrom: String?
        package var registered: Bool
        package var planRestored: Bool
        package var deprovisioned: Bool
        package var wasManaged: Bool
        package var wasArchiving: Bool
        package var backupsAdded: Int

        private enum CodingKeys: String, CodingKey {
            case name, renamedFrom, registered, planRestored, deprovisioned, wasManaged, wasArchiving, backupsAdded
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(renamedFrom, forKey: .renamedFrom)
            try container.encode(registered, forKey: .registered)
            try container.encode(planRestored, forKey: .planRestored)
            try container.encode(deprovisioned, forKey: .deprovisioned)
            try container.encode(wasManaged, forKey: .wasManaged)
            try container.encode(wasArchiving, forKey: .wasArchiving)
            try container.encode(backupsAdded, forKey: .backupsAdded)
        }
    }

    /// A backup that was not recorded, and why.
    package struct Problem: Encodable, Sendable {
        package var backupId: String
        package var message: String
    }

    package init(_ report: AttachReport) {
        storage = StorageRepresentation(report.storage)
        storageAdded = report.storageAdded
        manifests = report.manifests
        backupsAdded = report.backupsAdded
        backupsKnown = report.backupsKnown
        databases = report.databases.map {
            Database(
                name: $0.name, renamedFrom: $0.renamedFrom, registered: $0.registered, planRestored: $0.planRestored,
                deprovisioned: $0.deprovisioned, wasManaged: $0.wasManaged, wasArchiving: $0.wasArchiving, backupsAdded: $0.backupsAdded
            )
        }
        unreadable = report.unreadable.map { Problem(backupId: $0.backupID, message: $0.message) }
        withoutOrigin = report.withoutOrigin.map { Problem(backupId: $0.backupID, message: $0.message) }
    }
}
