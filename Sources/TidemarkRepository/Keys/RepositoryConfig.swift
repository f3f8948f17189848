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
    /// Bytes per fixed, file-aligned block of a relation file in a base backup (tar layout).
    /// Absent in configs written before physical backups: 1 MiB.
    package var fileBlockSize: Int

    /// 1 MiB: after a realistic change a second base backup stores 9.4 % new bytes against
    /// 16.1 % for content-defined chunks of the raw tar, at about one index entry (~100 B) per
    /// MiB, i.e. ~100 MB of index per TiB (WAVE2.md §A1). 256 KiB stores 8.4 % at 4× the index.
    package static let standardFileBlockSize = 1 << 20

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
        self.fileBlockSize = Self.standardFileBlockSize
    }

    private enum CodingKeys: String, CodingKey {
        case version, id, createdAt, chunker, compression, encryption, chunkHash, kdf, packSize, fileBlockSize
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        id = try container.decode(String.self, forKey: .id)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        chunker = try container.decode(ChunkerParameters.self, forKey: .chunker)
        compression = try container.decode(Compression.self, forKey: .compression)
        encryption = try container.decode(String.self, forKey: .encryption)
        chunkHash = try container.decode(String.self, forKey: .chunkHash)
        kdf = try container.decode(KDFParameters.self, forKey: .kdf)
        packSize = try container.decode(Int.self, forKey: .packSize)
        fileBlockSize = try container.decodeIfPresent(Int.self, forKey: .fileBlockSize) ?? Self.standardFileBlockSize
        guard fileBlockSize > 0, fileBlockSize % 512 == 0, fileBlockSize <= 16 << 20 else {
            throw DecodingError.dataCorruptedError(forKey: .fileBlockSize, in: container, debugDescription: "fileBlockSize must be a positive multiple of 512 up to 16 MiB")
        }
    }
}
