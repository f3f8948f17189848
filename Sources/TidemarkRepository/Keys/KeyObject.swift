import Crypto
import _CryptoExtras
package import Foundation
package import TidemarkCore

/// A `keys/<id>` object: the master key sealed under a key derived from one passphrase.
package struct KeyObject: Sendable, Codable {
    package var version: Int
    package var kdf: KDFParameters
    /// Base64 salt for the KDF (32 random bytes).
    package var salt: String
    package var createdAt: Date
    /// Base64 of AES-256-GCM(nonce | ciphertext | tag) of the 64 master key bytes,
    /// associated data `tidemark.master-key`.
    package var sealedMasterKey: String

    /// Seals `master` under `passphrase`.
    package static func seal(_ master: MasterKey, passphrase: Secret<String>, kdf: KDFParameters, now: Date) throws -> KeyObject {
        let salt = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let wrapping = try derive(passphrase: passphrase, salt: salt, kdf: kdf)
        let sealed = try Sealer(key: wrapping).seal(master.rawBytes, associatedData: SealLabel.masterKey)
        return KeyObject(
            version: 1,
            kdf: kdf,
            salt: Data(salt).base64EncodedString(),
            createdAt: now,
            sealedMasterKey: Data(sealed).base64EncodedString()
        )
    }

    /// The master key, or nil when `passphrase` is not the one this object was sealed with.
    package func unseal(passphrase: Secret<String>) throws -> MasterKey? {
        guard let salt = Data(base64Encoded: salt), let sealed = Data(base64Encoded: sealedMasterKey) else {
            throw RepositoryError(.objectCorrupted, "a key object is not valid base64")
        }
        let wrapping = try Self.derive(passphrase: passphrase, salt: Array(salt), kdf: kdf)
        guard let raw = try? Sealer(key: wrapping).open(Array(sealed), associatedData: SealLabel.masterKey, what: "key") else {
            return nil
        }
        return MasterKey(rawBytes: raw)
    }

    private static func derive(passphrase: Secret<String>, salt: [UInt8], kdf: KDFParameters) throws -> SymmetricKey {
        guard kdf.algorithm == "scrypt" else {
            throw RepositoryError(.unsupportedVersion, "key derivation '\(kdf.algorithm)' is not supported")
        }
        return try KDF.Scrypt.deriveKey(
            from: Array(passphrase.revealed.utf8),
            salt: salt,
            outputByteCount: 32,
            rounds: kdf.n,
            blockSize: kdf.r,
            parallelism: kdf.p
        )
    }
}
