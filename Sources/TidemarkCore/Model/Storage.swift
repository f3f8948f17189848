package import Foundation

/// Where a storage keeps its repository.
package enum StorageSettings: Sendable, Codable, Equatable {
    /// A directory on this machine.
    case local(path: String)

    /// The storage kind as shown to users: `local` or `s3`.
    package var kind: String {
        switch self {
        case .local: "local"
        }
    }

    /// A one-line description without secrets, e.g. `/srv/backups`.
    package var location: String {
        switch self {
        case .local(let path): path
        }
    }
}

/// A registered storage: a place backups live, holding one Tidemark repository.
package struct StorageRecord: Sendable, Equatable {
    package var name: String
    package var settings: StorageSettings
    /// The identifier from the repository's config object, checked on every open.
    package var repositoryID: String
    package var createdAt: Date

    package init(name: String, settings: StorageSettings, repositoryID: String, createdAt: Date) {
        self.name = name
        self.settings = settings
        self.repositoryID = repositoryID
        self.createdAt = createdAt
    }
}
