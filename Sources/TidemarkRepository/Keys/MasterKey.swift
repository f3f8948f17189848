package import Crypto
import Foundation

/// The repository's secret: one key that encrypts everything and one that names chunks.
///
/// It is random, created once with the repository and stored only sealed in key objects,
/// so changing a passphrase means writing a new key object, never re-encrypting data.
package struct MasterKey: Sendable {
    package let encryptionKey: SymmetricKey
    package let idKey: SymmetricKey

    package init(encryptionKey: SymmetricKey, idKey: SymmetricKey) {
        self.encryptionKey = encryptionKey
        self.idKey = idKey
    }

    /// A new random master key.
    package static func generate() -> MasterKey {
        MasterKey(encryptionKey: SymmetricKey(size: .bits256), idKey: SymmetricKey(size: .bits256))
    }

    /// The id of `chunk`: HMAC-SHA-256 under the id key.
    package func chunkID(of chunk: [UInt8]) -> ChunkID {
        // Over the raw buffer and straight into words: the generic `DataProtocol` path and two
        // arrays per chunk cost more than the MAC of a 4 KiB page.
        let mac = chunk.withUnsafeBytes { HMAC<SHA256>.authenticationCode(for: $0, using: idKey) }
        return mac.withUnsafeBytes { ChunkID(rawBytes: $0) }
    }

    /// The 256-entry gear table for the chunker: entry i is the first 8 bytes (big-endian) of
    /// HMAC-SHA-256(idKey, "tidemark.gear" + byte i).
    package func gearTable() -> [UInt64] {
        (0..<256).map { index in
            let mac = HMAC<SHA256>.authenticationCode(for: Array("tidemark.gear".utf8) + [UInt8(index)], using: idKey)
            return mac.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
    }

    /// The 64 key bytes: encryption key, then id key.
    var rawBytes: [UInt8] {
        encryptionKey.withUnsafeBytes { Array($0) } + idKey.withUnsafeBytes { Array($0) }
    }

    init?(rawBytes: [UInt8]) {
        guard rawBytes.count == 64 else { return nil }
        self.init(encryptionKey: SymmetricKey(data: rawBytes[0..<32]), idKey: SymmetricKey(data: rawBytes[32..<64]))
    }
}
