import TidemarkCore

/// Reads a stream's chunks in order, fetching up to `prefetch` chunks ahead.
///
/// Pull-based so it can feed a process's standard input (`pg_restore`) at the pace the
/// process reads: memory stays at `prefetch` chunks whatever the stream's size.
/// Not Sendable: one task pulls from it.
package final class StreamReader {
    private let repository: Repository
    private let chunks: [ChunkID]
    private let locations: [BlobLocation]
    private let prefetch: Int
    private var next = 0
    // Unstructured so fetching runs ahead of the consumer; `cancel()` (called by the scoped
    // `Repository.withStreamReader`) stops whatever is still in flight.
    private var pending: [Task<[UInt8], any Error>] = []
    /// Plaintext bytes handed out so far.
    package private(set) var bytesRead: Int64 = 0

    init(repository: Repository, chunks: [ChunkID], index: ChunkIndex, prefetch: Int) throws {
        var locations: [BlobLocation] = []
        locations.reserveCapacity(chunks.count)
        for id in chunks {
            guard let location = index.location(of: id) else {
                throw RepositoryError(
                    .chunkMissing,
                    "chunk \(id.hex.prefix(16)) of the stream is not in any index of \(repository.store.location)",
                    hint: "Run 'tidemark backup verify' on this backup; the repository has lost data."
                )
            }
            locations.append(location)
        }
        self.repository = repository
        self.chunks = chunks
        self.locations = locations
        self.prefetch = prefetch
    }

    /// The next chunk's plaintext, or nil at the end of the stream.
    package func nextChunk() async throws -> [UInt8]? {
        while pending.count < prefetch, next < chunks.count {
            let id = chunks[next]
            let location = locations[next]
            let repository = self.repository
            pending.append(Task { try await repository.readChunk(id, at: location) })
            next += 1
        }
        guard !pending.isEmpty else { return nil }
        let bytes = try await pending.removeFirst().value
        bytesRead += Int64(bytes.count)
        return bytes
    }

    func cancel() {
        pending.forEach { $0.cancel() }
        pending.removeAll()
    }
}

extension Repository {
    /// Runs `body` with a reader over `stream`; fetches still in flight are cancelled after.
    /// - Throws: `RepositoryError` `chunk-missing` before reading anything when a chunk is
    ///   not in the index.
    package func withStreamReader<T>(
        _ stream: StreamReference,
        index: ChunkIndex,
        prefetch: Int = 4,
        _ body: (StreamReader) async throws -> T
    ) async throws -> T {
        let reader = try StreamReader(repository: self, chunks: try stream.chunkIDs(), index: index, prefetch: prefetch)
        defer { reader.cancel() }
        return try await body(reader)
    }
}
