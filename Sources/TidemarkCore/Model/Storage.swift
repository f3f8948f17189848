package import Foundation

/// Where an S3-compatible storage keeps its repository. The secret access key is not here: it
/// is sealed separately in the catalog (`StorageRecord.secretAccessKey`).
package struct S3StorageSettings: Sendable, Codable, Equatable {
    /// `https://s3.eu-central-1.amazonaws.com`, `http://127.0.0.1:9000`: scheme, host and port.
    package var endpoint: String
    package var bucket: String
    /// Key prefix inside the bucket, without leading or trailing `/`; empty for the bucket root.
    package var prefix: String
    package var region: String
    /// Address the bucket in the path (`endpoint/bucket/key`) instead of the host name
    /// (`bucket.endpoint/key`); MinIO and most self-hosted services need this.
    package var pathStyle: Bool
    package var accessKeyID: String
    /// Send `x-amz-checksum-sha256` on uploads; off falls back to `Content-MD5`, for services
    /// that reject the newer checksum headers.
    package var checksumHeaders: Bool

    package init(endpoint: String, bucket: String, prefix: String, region: String, pathStyle: Bool, accessKeyID: String, checksumHeaders: Bool = true) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.prefix = prefix
        self.region = region
        self.pathStyle = pathStyle
        self.accessKeyID = accessKeyID
        self.checksumHeaders = checksumHeaders
    }

    /// A prefix as stored: no leading, trailing or doubled `/`.
    package static func normalized(prefix: String) -> String {
        prefix.split(separator: "/").joined(separator: "/")
    }
}

/// Where a storage keeps its repository.
package enum StorageSettings: Sendable, Codable, Equatable {
    /// A directory on this machine.
    case local(path: String)
    /// A bucket (and prefix) of an S3-compatible service.
    case s3(S3StorageSettings)

    /// The storage kind as shown to users: `local` or `s3`.
    package var kind: String {
        switch self {
        case .local: "local"
        case .s3: "s3"
        }
    }

    /// A one-line description without secrets, e.g. `/srv/backups` or
    /// `s3://bucket/prefix at https://endpoint`.
    package var location: String {
        switch self {
        case .local(let path): path
        case .s3(let s3): "s3://\(s3.bucket)\(s3.prefix.isEmpty ? "" : "/" + s3.prefix) at \(s3.endpoint)"
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
    /// The S3 secret access key; sealed at rest in the catalog, never printed.
    package var secretAccessKey: Secret<String>?

    package init(name: String, settings: StorageSettings, repositoryID: String, createdAt: Date, secretAccessKey: Secret<String>? = nil) {
        self.name = name
        self.settings = settings
        self.repositoryID = repositoryID
        self.createdAt = createdAt
        self.secretAccessKey = secretAccessKey
    }
}
