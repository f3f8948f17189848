package import Crypto

/// AES-256-GCM sealing of every encrypted object and blob.
///
/// Layout: 12-byte random nonce, ciphertext, 16-byte tag. The associated data binds each
/// sealed value to its role (a chunk id for blobs, a fixed label for metadata objects), so a
/// blob moved under another id or a manifest swapped for an index fails authentication.
package struct Sealer: Sendable {
    private let key: SymmetricKey

    package init(key: SymmetricKey) {
        self.key = key
    }

    /// Encrypts `plaintext`, authenticating `associatedData` with it.
    package func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(), authenticating: associatedData)
        guard let combined = box.combined else {
            throw RepositoryError(.objectCorrupted, "sealing produced no output")
        }
        return Array(combined)
    }

    /// Decrypts and authenticates a value produced by `seal`.
    /// - Throws: `RepositoryError` `object-corrupted` naming `what` when authentication fails.
    package func open(_ sealed: some Collection<UInt8>, associatedData: [UInt8], what: String) throws -> [UInt8] {
        guard sealed.count >= 28 else {
            throw RepositoryError(.objectCorrupted, "\(what) is too short to be encrypted data (\(sealed.count) bytes)")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: Array(sealed))
            return Array(try AES.GCM.open(box, using: key, authenticating: associatedData))
        } catch {
            throw RepositoryError(.objectCorrupted, "\(what) failed authentication (corrupted or tampered)")
        }
    }
}

/// Labels used as associated data for metadata objects.
package enum SealLabel {
    package static let manifest = Array("tidemark.manifest".utf8)
    package static let index = Array("tidemark.index".utf8)
    package static let packHeader = Array("tidemark.pack-header".utf8)
    package static let masterKey = Array("tidemark.master-key".utf8)
    package static let restoreTest = Array("tidemark.restore-test".utf8)
}

/// The plaintext framing inside every sealed value: one flag byte, then the payload.
///
/// Flag 0: the payload is stored as is. Flag 1: the payload is one zstd frame that records
/// its decompressed size. Incompressible data is stored with flag 0 rather than grown.
package enum Payload {
    /// Frames `bytes`, compressing them when that makes them smaller.
    package static func encode(_ bytes: [UInt8], level: Int32) -> [UInt8] {
        if let compressed = Zstd.compress(bytes, level: level) {
            var framed: [UInt8] = [1]
            framed.reserveCapacity(compressed.count + 1)
            framed.append(contentsOf: compressed)
            return framed
        }
        var framed: [UInt8] = [0]
        framed.reserveCapacity(bytes.count + 1)
        framed.append(contentsOf: bytes)
        return framed
    }

    /// Recovers the bytes framed by `encode`.
    package static func decode(_ framed: [UInt8], limit: Int = 1 << 30) throws -> [UInt8] {
        guard let flag = framed.first else {
            throw RepositoryError(.objectCorrupted, "a payload is empty")
        }
        switch flag {
        case 0: return Array(framed.dropFirst())
        case 1: return try Zstd.decompress(framed.dropFirst(), limit: limit)
        default: throw RepositoryError(.objectCorrupted, "a payload has unknown compression flag \(flag)")
        }
    }
}
