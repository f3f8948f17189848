import Crypto
import Foundation
import TidemarkCore

/// Seals secrets (database passwords) before they are written to the catalog.
///
/// The key is 32 random bytes in `<home>/catalog.key` (mode 0600), created on first use, or
/// `TIDEMARK_CATALOG_KEY` (64 hex digits) when set, so the key can live outside the home
/// directory. Sealing protects a copied or backed-up catalog file; whoever can read both the
/// file and the key can read the secrets.
package struct SecretSealer: Sendable {
    private let key: SymmetricKey

    package init(key: [UInt8]) {
        self.key = SymmetricKey(data: key)
    }

    /// Loads or creates the key for the catalog in `home`.
    package static func load(home: String, environment: [String: String]) throws -> SecretSealer {
        if let hex = environment["TIDEMARK_CATALOG_KEY"], !hex.isEmpty {
            guard hex.count == 64, let bytes = decodeHex(hex) else {
                throw CatalogError(.sealedSecretUnreadable, "TIDEMARK_CATALOG_KEY is not 64 hex digits", hint: "Generate one with 'openssl rand -hex 32'.")
            }
            return SecretSealer(key: bytes)
        }
        let path = "\(home)/catalog.key"
        if let data = FileManager.default.contents(atPath: path) {
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            guard data.count == 32 else {
                throw CatalogError(.sealedSecretUnreadable, "the catalog key \(path) is damaged (\(data.count) bytes, expected 32)")
            }
            return SecretSealer(key: Array(data))
        }
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw CatalogError(.cannotOpen, "cannot write the catalog key \(path)", hint: "Check that --home points to a writable directory.")
        }
        return SecretSealer(key: bytes)
    }

    func seal(_ secret: String, label: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(Array(secret.utf8), using: key, authenticating: Array(label.utf8))
        return Array(box.combined ?? Data())
    }

    func open(_ sealed: [UInt8], label: String) throws -> String {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return String(decoding: try AES.GCM.open(box, using: key, authenticating: Array(label.utf8)), as: UTF8.self)
        } catch {
            throw CatalogError(
                .sealedSecretUnreadable,
                "a secret in the catalog cannot be unsealed with this catalog key (\(label))",
                hint: "Use the catalog.key that belongs to this catalog, or set TIDEMARK_CATALOG_KEY."
            )
        }
    }

    private static func decodeHex(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let value = UInt8(String([high, low]), radix: 16) else { return nil }
            bytes.append(value)
        }
        return bytes
    }
}
