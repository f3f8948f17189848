import Crypto
import TidemarkCore

/// One blob's entry in a pack header and the index.
package struct PackedBlob: Sendable, Codable, Equatable {
    package var id: ChunkID
    package var offset: UInt32
    /// Length of the sealed blob in the pack.
    package var length: UInt32
    /// Length of the chunk's plaintext.
    package var rawLength: UInt32

    package init(id: ChunkID, offset: UInt32, length: UInt32, rawLength: UInt32) {
        self.id = id
        self.offset = offset
        self.length = length
        self.rawLength = rawLength
    }

    private enum CodingKeys: String, CodingKey { case id, offset, length, rawLength }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let hex = try container.decode(String.self, forKey: .id)
        guard let id = ChunkID(hex: hex) else {
            throw RepositoryError(.objectCorrupted, "an index entry has an invalid chunk id '\(hex)'")
        }
        self.id = id
        offset = try container.decode(UInt32.self, forKey: .offset)
        length = try container.decode(UInt32.self, forKey: .length)
        rawLength = try container.decode(UInt32.self, forKey: .rawLength)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.hex, forKey: .id)
        try container.encode(offset, forKey: .offset)
        try container.encode(length, forKey: .length)
        try container.encode(rawLength, forKey: .rawLength)
    }
}

/// A finished pack, ready to upload.
package struct Pack: Sendable {
    /// SHA-256 of `bytes`, lowercase hex: the pack's name.
    package var id: String
    package var bytes: [UInt8]
    package var blobs: [PackedBlob]

    /// `data/<first two hex digits>/<id>`.
    package var key: String { RepositoryLayout.packKey(id) }
}

/// A closed pack before its name (the SHA-256 of its bytes) is computed.
package struct UnnamedPack: Sendable {
    package var bytes: [UInt8]
    package var blobs: [PackedBlob]

    /// The pack with its name.
    package func named() -> Pack {
        Pack(id: Hex.encode(SHA256.hash(data: bytes)), bytes: bytes, blobs: blobs)
    }
}

/// Collects sealed blobs into a pack object (docs/FORMAT.md, "Pack objects").
///
/// Layout: the sealed blobs back to back, then the sealed header, then the header's sealed
/// length as 4 bytes little-endian. The header lists, per blob, its chunk id (32 bytes), sealed
/// length and plaintext length (4 bytes little-endian each), so a pack can be read without the
/// index.
package struct PackBuilder {
    private var bytes: [UInt8] = []
    private var blobs: [PackedBlob] = []
    private let sealer: Sealer

    package init(sealer: Sealer) {
        self.sealer = sealer
    }

    /// Bytes of blobs added so far.
    package var size: Int { bytes.count }
    package var isEmpty: Bool { blobs.isEmpty }

    /// Adds a sealed blob.
    package mutating func add(id: ChunkID, sealed: [UInt8], rawLength: Int) {
        if bytes.isEmpty { bytes.reserveCapacity(20 << 20) }
        blobs.append(PackedBlob(id: id, offset: UInt32(bytes.count), length: UInt32(sealed.count), rawLength: UInt32(rawLength)))
        bytes.append(contentsOf: sealed)
    }

    /// Closes the pack, appending its header, and resets the builder; hashing it (its name) is
    /// left to the caller, which may do it on another task.
    package mutating func finishUnnamed() throws -> UnnamedPack {
        var header: [UInt8] = []
        header.reserveCapacity(blobs.count * 40)
        for blob in blobs {
            header.append(contentsOf: blob.id.bytes)
            Self.appendLittleEndian(blob.length, to: &header)
            Self.appendLittleEndian(blob.rawLength, to: &header)
        }
        let sealedHeader = try sealer.seal(header, associatedData: SealLabel.packHeader)
        // Taking the buffer before appending keeps it uniquely referenced, so the header is
        // appended in place instead of copying the whole 16 MiB pack.
        var packBytes = bytes
        bytes = []
        packBytes.append(contentsOf: sealedHeader)
        Self.appendLittleEndian(UInt32(sealedHeader.count), to: &packBytes)
        let pack = UnnamedPack(bytes: packBytes, blobs: blobs)
        blobs = []
        return pack
    }

    private static func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }
}
