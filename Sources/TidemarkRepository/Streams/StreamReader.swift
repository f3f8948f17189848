import TidemarkCore

/// Reads a stream's chunks in order, fetching up to `prefetch` reads ahead.
///
/// Chunks stored next to each other in one pack (the order a stream writes them) are fetched
/// with one ranged read of up to ``maxReadLength`` bytes: a stream of 4 KiB blocks (a SQLite
/// file) would otherwise cost one request per block. Pull-based so it can feed a process's
/// standard input (`pg_restore`) at the pace the process reads: memory stays at `prefetch`
/// reads whatever the stream's size.
/// Not Sendable: one task pulls from it.
package final class StreamReader {
    /// Chunks read together: consecutive blobs of one pack.
    private struct Read: Sendable {
        var ids: [ChunkID]
        var locations: [BlobLocation]
    }

    /// The most bytes one read fetches (several chunks of one pack).
    static let maxReadLength: Int64 = 4 << 20

    private let repository: Repository
    private let reads: [Read]
    private let prefetch: Int
    private var next = 0
    // Unstructured so fetching runs ahead of the consumer; `cancel()` (called by the scoped
    // `Repository.withStreamReader`) stops whatever is still in flight.
    private var pending: [Task<[[UInt8]], any Error>] = []
    private var ready: [[UInt8]] = []
    private var readyIndex = 0
    /// Plaintext bytes handed out so far.
    package private(set) var bytesRead: Int64 = 0

    init(repository: Repository, chunks: [ChunkID], index: ChunkIndex, prefetch: Int) throws {
        var reads: [Read] = []
        var length: Int64 = 0
        for id in chunks {
            guard let location = index.location(of: id) else {
                throw RepositoryError(
                    .chunkMissing,
                    "chunk \(id.hex.prefix(16)) of the stream is not in any index of \(repository.store.location)",
                    hint: "Run 'tidemark backup verify' on this backup; the repository has lost data."
                )
            }
            if let last = reads.last?.locations.last, last.pack == location.pack, last.offset + last.length == location.offset,
                length + location.length <= Self.maxReadLength
            {
                reads[reads.count - 1].ids.append(id)
                reads[reads.count - 1].locations.append(location)
                length += location.length
            } else {
                reads.append(Read(ids: [id], locations: [location]))
                length = location.length
            }
        }
        self.repository = repository
        self.reads = reads
        self.prefetch = prefetch
    }

    /// The next chunk's plaintext, or nil at the end of the stream.
    package func nextChunk() async throws -> [UInt8]? {
        if readyIndex == ready.count {
            while pending.count < prefetch, next < reads.count {
                let read = reads[next]
                let repository = self.repository
                pending.append(Task { try await repository.readChunks(read.ids, at: read.locations) })
                next += 1
            }
            guard !pending.isEmpty else { return nil }
            ready = try await pending.removeFirst().value
            readyIndex = 0
        }
        let bytes = ready[readyIndex]
        readyIndex += 1
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
