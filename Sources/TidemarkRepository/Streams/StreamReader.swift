import TidemarkCore

extension Repository {
    /// Reads the chunks of a stream in order, fetching up to `prefetch` ahead, and hands each
    /// one's plaintext to `sink`.
    /// - Throws: `RepositoryError` `chunk-missing` before reading anything when a chunk is not
    ///   in the index, or `object-missing` / `object-corrupted` for a damaged pack.
    package func readStream(
        _ chunks: [ChunkID],
        index: ChunkIndex,
        prefetch: Int = 4,
        into sink: ([UInt8]) async throws -> Void
    ) async throws {
        var locations: [BlobLocation] = []
        locations.reserveCapacity(chunks.count)
        for id in chunks {
            guard let location = index.location(of: id) else {
                throw RepositoryError(
                    .chunkMissing,
                    "chunk \(id.hex.prefix(16)) of the stream is not in any index of \(store.location)",
                    hint: "Run 'tidemark backup verify' on this backup; the repository has lost data."
                )
            }
            locations.append(location)
        }
        // Unstructured tasks so fetching runs ahead of the consumer; all are awaited or
        // cancelled before returning.
        var pending: [Task<[UInt8], any Error>] = []
        defer { pending.forEach { $0.cancel() } }
        var next = 0
        let repository = self
        while next < chunks.count || !pending.isEmpty {
            while pending.count < prefetch, next < chunks.count {
                let id = chunks[next]
                let location = locations[next]
                pending.append(Task { try await repository.readChunk(id, at: location) })
                next += 1
            }
            try await sink(try await pending.removeFirst().value)
        }
    }

    /// Reads a whole stream into a sink that receives plaintext chunks: convenience for `StreamReference`.
    package func readStream(_ stream: StreamReference, index: ChunkIndex, into sink: ([UInt8]) async throws -> Void) async throws {
        try await readStream(try stream.chunkIDs(), index: index, into: sink)
    }
}
