import CZstd
import Crypto
import _CryptoExtras
import Foundation

/// A reader of Tidemark repositories written from docs/FORMAT.md alone, as an outside tool
/// would be: it uses none of Tidemark's own repository code, only swift-crypto (AES-GCM,
/// HMAC, SHA-256, scrypt), libzstd and Foundation's JSON. If the document is wrong or vague,
/// this reader fails (issue 14, item 13). Every step cites the section it follows.
struct DocumentedRepositoryReader {
    /// Something the document promises that the repository does not do.
    struct Violation: Error, CustomStringConvertible {
        var description: String
        init(_ text: String) { description = text }
    }

    /// One blob location as the index objects give it (section "Index objects").
    struct Location: Equatable {
        var pack: String
        var offset: Int
        var length: Int
        var rawLength: Int
    }

    let directory: String
    private(set) var encryptionKey = SymmetricKey(size: .bits256)
    private(set) var idKey = SymmetricKey(size: .bits256)
    /// chunk id (hex) → first location, index objects in ascending key order.
    private(set) var locations: [String: Location] = [:]

    init(directory: String) {
        self.directory = directory
    }

    private func read(_ key: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: "\(directory)/\(key)") else { throw Violation("object \(key) is missing") }
        return Array(data)
    }

    private func keys(under prefix: String) throws -> [String] {
        let root = "\(directory)/\(prefix)"
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var keys: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(root)/\(relative)", isDirectory: &isDirectory), !isDirectory.boolValue,
                !(relative.split(separator: "/").last?.hasPrefix(".") ?? true)
            {
                keys.append(prefix + relative)
            }
        }
        return keys.sorted()
    }

    private static func json(_ bytes: [UInt8], _ what: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { throw Violation("\(what) is not a JSON object") }
        return object
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    private static func unhex(_ text: String) throws -> [UInt8] {
        guard text.count == 64 else { throw Violation("'\(text)' is not 64 hex digits") }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { throw Violation("'\(text)' is not hex") }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    /// "Sealing": nonce (12) ‖ ciphertext ‖ tag (16) under `key` with associated data.
    private static func open(_ sealed: [UInt8], key: SymmetricKey, associatedData: [UInt8], what: String) throws -> [UInt8] {
        guard sealed.count >= 28 else { throw Violation("\(what) is too short to be sealed") }
        do {
            let box = try AES.GCM.SealedBox(combined: Data(sealed))
            return Array(try AES.GCM.open(box, using: key, authenticating: Data(associatedData)))
        } catch {
            throw Violation("\(what) does not authenticate with the documented key and associated data")
        }
    }

    /// "Sealing": the frame — flag 0 (as is) or 1 (one zstd frame with its content size).
    private static func unframe(_ framed: [UInt8], what: String) throws -> [UInt8] {
        guard let flag = framed.first else { throw Violation("\(what) has an empty frame") }
        let payload = Array(framed.dropFirst())
        switch flag {
        case 0: return payload
        case 1:
            return try payload.withUnsafeBytes { source in
                let size = ZSTD_getFrameContentSize(source.baseAddress, source.count)
                guard size != ZSTD_CONTENTSIZE_ERROR, size != ZSTD_CONTENTSIZE_UNKNOWN else { throw Violation("\(what): the zstd frame has no content size") }
                var output = [UInt8](repeating: 0, count: Int(size))
                let written = output.withUnsafeMutableBytes { ZSTD_decompress($0.baseAddress, $0.count, source.baseAddress, source.count) }
                guard ZSTD_isError(written) == 0, written == Int(size) else { throw Violation("\(what): the zstd frame does not decompress") }
                return output
            }
        default: throw Violation("\(what) has frame flag \(flag)")
        }
    }

    func openFramedJSON(_ key: String, label: String) throws -> [String: Any] {
        let plain = try Self.open(try read(key), key: encryptionKey, associatedData: Array(label.utf8), what: key)
        return try Self.json(try Self.unframe(plain, what: key), key)
    }

    /// "Config", "Keys": the master key from the passphrase.
    mutating func unlock(passphrase: String) throws -> [String: Any] {
        let config = try Self.json(try read("config"), "config")
        guard config["version"] as? Int == 1 else { throw Violation("config version is not 1") }
        for key in try keys(under: "keys/") {
            let bytes = try read(key)
            guard key == "keys/" + Self.hex(SHA256.hash(data: bytes)) else { throw Violation("\(key) is not named by the SHA-256 of its bytes") }
            let object = try Self.json(bytes, key)
            guard let kdf = object["kdf"] as? [String: Any], kdf["algorithm"] as? String == "scrypt",
                let n = kdf["n"] as? Int, let r = kdf["r"] as? Int, let p = kdf["p"] as? Int,
                let salt = (object["salt"] as? String).flatMap({ Data(base64Encoded: $0) }), salt.count == 32,
                let sealed = (object["sealedMasterKey"] as? String).flatMap({ Data(base64Encoded: $0) })
            else { throw Violation("\(key) lacks the documented fields") }
            guard sealed.count == 92 else { throw Violation("\(key): sealedMasterKey is \(sealed.count) bytes, not 12 + 64 + 16") }
            let wrapping = try KDF.Scrypt.deriveKey(from: Array(passphrase.utf8), salt: Array(salt), outputByteCount: 32, rounds: n, blockSize: r, parallelism: p)
            // Not framed: the plaintext is the 64 key bytes.
            guard let master = try? Self.open(Array(sealed), key: wrapping, associatedData: Array("tidemark.master-key".utf8), what: key) else { continue }
            guard master.count == 64 else { throw Violation("\(key): the master key is \(master.count) bytes, not 64") }
            encryptionKey = SymmetricKey(data: master[0..<32])
            idKey = SymmetricKey(data: master[32..<64])
            return config
        }
        throw Violation("no key object opens with the passphrase")
    }

    /// "Index objects" (and "Packs", whose headers must agree with the index).
    mutating func loadIndex() throws {
        for key in try keys(under: "index/") {
            let sealed = try read(key)
            guard key == "index/" + Self.hex(SHA256.hash(data: sealed)) else { throw Violation("\(key) is not named by the SHA-256 of its bytes") }
            let object = try openFramedJSON(key, label: "tidemark.index")
            guard object["version"] as? Int == 1, let packs = object["packs"] as? [[String: Any]] else { throw Violation("\(key) lacks version or packs") }
            for pack in packs {
                guard let id = pack["id"] as? String, let blobs = pack["blobs"] as? [[String: Any]] else { throw Violation("\(key): a pack entry lacks id or blobs") }
                for blob in blobs {
                    guard let chunk = blob["id"] as? String, let offset = blob["offset"] as? Int, let length = blob["length"] as? Int,
                        let rawLength = blob["rawLength"] as? Int
                    else { throw Violation("\(key): a blob entry lacks id, offset, length or rawLength") }
                    // The first location wins (index objects in ascending key order).
                    if locations[chunk] == nil { locations[chunk] = Location(pack: id, offset: offset, length: length, rawLength: rawLength) }
                }
            }
        }
    }

    /// "Packs": the pack named by its SHA-256, its trailer and header; returns its blobs.
    func readPack(_ id: String) throws -> (bytes: [UInt8], blobs: [(id: String, offset: Int, length: Int, rawLength: Int)]) {
        let key = "data/\(id.prefix(2))/\(id)"
        let bytes = try read(key)
        guard Self.hex(SHA256.hash(data: bytes)) == id else { throw Violation("\(key) is not named by the SHA-256 of its bytes") }
        guard bytes.count >= 4 else { throw Violation("\(key) has no trailer") }
        let headerLength = bytes[(bytes.count - 4)...].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let headerStart = bytes.count - 4 - headerLength
        guard headerStart >= 0 else { throw Violation("\(key): the header length exceeds the pack") }
        // Not framed: 40 bytes per blob.
        let header = try Self.open(Array(bytes[headerStart..<(bytes.count - 4)]), key: encryptionKey, associatedData: Array("tidemark.pack-header".utf8), what: "\(key) header")
        guard header.count % 40 == 0 else { throw Violation("\(key): the header is not 40 bytes per blob") }
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(header[at + $1]) << (8 * $1) } }
        var blobs: [(id: String, offset: Int, length: Int, rawLength: Int)] = []
        var offset = 0
        for entry in stride(from: 0, to: header.count, by: 40) {
            let length = u32(entry + 32)
            blobs.append((Self.hex(header[entry..<(entry + 32)]), offset, length, u32(entry + 36)))
            offset += length
        }
        guard offset == headerStart else { throw Violation("\(key): the blobs end at \(offset), the header starts at \(headerStart)") }
        return (bytes, blobs)
    }

    /// "Manifests": the manifest of backup `id`.
    func manifest(_ id: String) throws -> [String: Any] {
        try openFramedJSON("snapshots/\(id)", label: "tidemark.manifest")
    }

    /// "Manifests", "Chunks": stream `index` of a manifest, every chunk authenticated and checked
    /// against its keyed id.
    func stream(of manifest: [String: Any], index: Int = 0) throws -> [UInt8] {
        guard let streams = manifest["streams"] as? [[String: Any]], index < streams.count, let chunks = streams[index]["chunks"] as? [String],
            let size = streams[index]["size"] as? Int
        else { throw Violation("the manifest has no stream \(index)") }
        var packs: [String: [UInt8]] = [:]
        var output: [UInt8] = []
        output.reserveCapacity(size)
        for chunk in chunks {
            guard let location = locations[chunk] else { throw Violation("chunk \(chunk) is in no index object") }
            if packs[location.pack] == nil {
                let pack = try readPack(location.pack)
                guard pack.blobs.contains(where: { $0.id == chunk && $0.offset == location.offset && $0.length == location.length && $0.rawLength == location.rawLength }) else {
                    throw Violation("the header of pack \(location.pack) disagrees with the index about chunk \(chunk)")
                }
                packs = [location.pack: pack.bytes]
            }
            guard let bytes = packs[location.pack] else { continue }
            let sealed = Array(bytes[location.offset..<(location.offset + location.length)])
            let plain = try Self.unframe(
                try Self.open(sealed, key: encryptionKey, associatedData: try Self.unhex(chunk), what: "chunk \(chunk)"), what: "chunk \(chunk)"
            )
            guard plain.count == location.rawLength else { throw Violation("chunk \(chunk) is \(plain.count) bytes, the index says \(location.rawLength)") }
            guard Self.hex(HMAC<SHA256>.authenticationCode(for: plain, using: idKey)) == chunk else { throw Violation("chunk \(chunk) is not the HMAC of its plaintext") }
            output += plain
        }
        guard output.count == size else { throw Violation("the stream is \(output.count) bytes, the manifest says \(size)") }
        return output
    }

    /// "WAL archive": every archived WAL file of `namespace`, by PostgreSQL's file name, each
    /// opened with its key as associated data and checked against the tag in its name.
    func walFiles(namespace: String) throws -> [String: (contents: [UInt8], writtenAt: Date)] {
        var files: [String: (contents: [UInt8], writtenAt: Date)] = [:]
        for key in try keys(under: "wal/\(namespace)/") {
            let parts = key.split(separator: "/")
            guard parts.count == 4, let last = parts.last else { throw Violation("\(key) is not wal/<namespace>/<timeline>/<file>") }
            let fields = last.split(separator: "-")
            guard fields.count == 3, fields[1].count == 16, let millis = Int64(fields[2]) else { throw Violation("\(key) is not <file>-<tag>-<ms>") }
            let lower = String(fields[0])
            guard parts[2] == lower.prefix(8) else { throw Violation("\(key): the directory is not the file's timeline") }
            let contents = try Self.unframe(try Self.open(try read(key), key: encryptionKey, associatedData: Array("tidemark.wal:\(key)".utf8), what: key), what: key)
            let tag = Self.hex(HMAC<SHA256>.authenticationCode(for: contents, using: idKey)).prefix(16)
            guard tag == fields[1] else { throw Violation("\(key): the tag is not the HMAC of the contents") }
            let name = lower.split(separator: ".").map { $0.allSatisfy(\.isHexDigit) ? $0.uppercased() : String($0) }.joined(separator: ".")
            files[name] = (contents, Date(timeIntervalSince1970: Double(millis) / 1000))
        }
        return files
    }
}
