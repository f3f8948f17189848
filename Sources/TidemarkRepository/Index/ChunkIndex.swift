/// Where a chunk is stored.
package struct BlobLocation: Sendable, Equatable {
    package var pack: String
    package var offset: Int64
    package var length: Int64
    package var rawLength: Int64
}

/// The in-memory map from chunk id to pack location, built from all index objects.
///
/// Entries are 48 bytes (a 32-byte id, a pack number and three 32-bit fields) plus the
/// dictionary's overhead, about 70–90 bytes per chunk: a 1 TiB repository of 1 MiB chunks
/// needs about 90 MB (SPEC §6 asks for at most about 100 bytes per chunk).
package struct ChunkIndex: Sendable {
    private struct Entry: Sendable {
        var pack: UInt32
        var offset: UInt32
        var length: UInt32
        var rawLength: UInt32
    }

    private var packIDs: [String] = []
    private var packNumbers: [String: UInt32] = [:]
    private var entries: [ChunkID: Entry] = [:]

    package init() {}

    /// Number of chunks indexed.
    package var count: Int { entries.count }
    /// Ids of every pack named by an index object.
    package var packs: [String] { packIDs }

    package func contains(_ id: ChunkID) -> Bool { entries[id] != nil }

    package func location(of id: ChunkID) -> BlobLocation? {
        guard let entry = entries[id] else { return nil }
        return BlobLocation(
            pack: packIDs[Int(entry.pack)],
            offset: Int64(entry.offset),
            length: Int64(entry.length),
            rawLength: Int64(entry.rawLength)
        )
    }

    /// Records the blobs of one pack. A chunk already indexed keeps its first location.
    package mutating func add(pack: String, blobs: [PackedBlob]) {
        let number: UInt32
        if let existing = packNumbers[pack] {
            number = existing
        } else {
            number = UInt32(packIDs.count)
            packIDs.append(pack)
            packNumbers[pack] = number
        }
        for blob in blobs where entries[blob.id] == nil {
            entries[blob.id] = Entry(pack: number, offset: blob.offset, length: blob.length, rawLength: blob.rawLength)
        }
    }
}
