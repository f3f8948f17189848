package import Foundation

/// Parameters of the passphrase key derivation (scrypt).
package struct KDFParameters: Sendable, Codable, Equatable {
    package var algorithm: String
    /// CPU/memory cost N (a power of two).
    package var n: Int
    package var r: Int
    package var p: Int

    package init(algorithm: String = "scrypt", n: Int, r: Int, p: Int) {
        self.algorithm = algorithm
        self.n = n
        self.r = r
        self.p = p
    }

    /// N=2^15, r=8, p=1: 32 MiB and about 0.1 s per derivation here, restic's choice.
    package static let standard = KDFParameters(n: 1 << 15, r: 8, p: 1)
}

/// The plaintext `config` object at the root of a repository (docs/FORMAT.md).
package struct RepositoryConfig: Sendable, Codable, Equatable {
    package struct Compression: Sendable, Codable, Equatable {
        package var algorithm: String
        package var level: Int32
    }

    package var version: Int
    package var id: String
    package var createdAt: Date
    package var chunker: ChunkerParameters
    package var compression: Compression
    package var encryption: String
    package var chunkHash: String
    package var kdf: KDFParameters
    /// Target size of a pack object; packs are closed once they reach it.
    package var packSize: Int

    /// The only format version this code reads and writes.
    package static let currentVersion = 1

    package init(id: String, createdAt: Date, chunker: ChunkerParameters = .standard, kdf: KDFParameters = .standard) {
        self.version = Self.currentVersion
        self.id = id
        self.createdAt = createdAt
        self.chunker = chunker
        self.compression = Compression(algorithm: "zstd", level: 1)
        self.encryption = "AES-256-GCM"
        self.chunkHash = "HMAC-SHA-256"
        self.kdf = kdf
        self.packSize = 16 << 20
    }
}
