import TidemarkCore

/// What a garbage collection did.
package struct GarbageCollectionReport: Sendable, Codable, Equatable {
    package var packsDeleted: Int
    package var bytesFreed: Int64
    package var packsKept: Int
    /// Bytes of unreferenced chunks left inside packs that are still partly in use.
    package var unreferencedBytesInKeptPacks: Int64
    package var indexObjectsRewritten: Int
}

extension Repository {
    /// Deletes packs no manifest references, under an exclusive lock (SPEC §4.3, §6).
    ///
    /// Order matters for crash safety: a new index without the doomed packs is written first,
    /// then the old index objects are deleted, then the packs. A crash at any point leaves
    /// either extra index entries for packs that still exist, or packs no index names; never an
    /// index entry for a deleted pack, which a later backup could deduplicate against.
    /// Packs that are partly referenced are kept whole (repacking is future work).
    package func collectGarbage(timing: LockTiming = LockTiming()) async throws -> GarbageCollectionReport {
        try await withLock(exclusive: true, purpose: "garbage collection", timing: timing) {
            var referenced: Set<ChunkID> = []
            for id in try await manifestIDs() {
                for stream in try await manifest(id: id).streams {
                    referenced.formUnion(try stream.chunkIDs())
                }
            }
            var packBlobs: [String: [PackedBlob]] = [:]
            let indexKeys = try await store.list(prefix: RepositoryLayout.indexPrefix).map(\.key)
            for key in indexKeys {
                for pack in try await openJSON(IndexObject.self, key: key, label: SealLabel.index).packs {
                    packBlobs[pack.id, default: []].append(contentsOf: pack.blobs)
                }
            }
            var doomed: [ObjectInfo] = []
            var kept: [IndexObject.PackEntry] = []
            var unreferencedBytes: Int64 = 0
            for info in try await store.list(prefix: RepositoryLayout.dataPrefix) {
                let pack = RepositoryLayout.packID(fromKey: info.key)
                let blobs = packBlobs[pack] ?? []
                let used = blobs.filter { referenced.contains($0.id) }
                if used.isEmpty {
                    doomed.append(info)
                } else {
                    kept.append(IndexObject.PackEntry(id: pack, blobs: blobs))
                    unreferencedBytes += blobs.filter { !referenced.contains($0.id) }.reduce(0) { $0 + Int64($1.length) }
                }
            }
            var rewritten = 0
            if !doomed.isEmpty {
                let newKey = kept.isEmpty ? nil : try await writeIndex(kept)
                // Old indexes go before the packs they list, so an interrupted GC never leaves
                // an index naming a deleted pack.
                let oldIndexes = indexKeys.filter { $0 != newKey }
                try await store.delete(keys: oldIndexes)
                rewritten = oldIndexes.count
                try await store.delete(keys: doomed.map(\.key))
            }
            return GarbageCollectionReport(
                packsDeleted: doomed.count,
                bytesFreed: doomed.reduce(0) { $0 + $1.size },
                packsKept: kept.count,
                unreferencedBytesInKeptPacks: unreferencedBytes,
                indexObjectsRewritten: rewritten
            )
        }
    }
}
