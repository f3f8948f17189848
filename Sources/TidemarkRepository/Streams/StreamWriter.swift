import TidemarkCore

/// What writing one stream stored.
package struct StreamWriteResult: Sendable {
    package var chunks: [ChunkID]
    /// Bytes of the stream.
    package var size: Int64
    /// Bytes of new packs uploaded for this stream (what the backup added to the repository).
    package var storedBytes: Int64
    package var newChunks: Int
}

/// A chunk after hashing and, when new, compression and sealing.
private struct ProcessedChunk: Sendable {
    var id: ChunkID
    var sealed: [UInt8]?
    var rawLength: Int
}

/// Chunks, deduplicates, compresses, encrypts and packs one byte stream into the repository.
///
/// Used only inside `Repository.writeStream(_:)`, which owns its tasks. Hashing and sealing
/// run in up to `processingLimit` tasks at once, each over a batch of chunks of at least
/// `batchBytes` (one task per 4 KiB block of a SQLite file would cost more than the block's
/// work), and pack uploads in up to `uploadLimit`, so memory stays bounded: at most the
/// chunker's buffer, `processingLimit` batches and `uploadLimit + 1` packs are held at any
/// time. The index learns of the stream's packs in index objects of at most
/// `indexBlobLimit` chunks each, so neither writing nor later loading one needs memory in
/// proportion to the stream.
///
/// Not Sendable: one task appends to it.
package final class StreamWriter {
    private let repository: Repository
    private let known: ChunkIndex
    private var chunker: StreamChunker
    private var packer: PackBuilder
    private let processingLimit = 4
    private let batchBytes = 256 << 10
    private let uploadLimit = 2
    private let indexBlobLimit = 32_768
    // Unstructured tasks because the work spans many `append` calls; `Repository.writeStream`
    // cancels them if the stream fails, and `finish` awaits every one of them.
    private var processing: [Task<[ProcessedChunk], any Error>] = []
    private var batch: [[UInt8]] = []
    private var batchSize = 0
    private var blobsInNewPacks = 0
    private var uploads: [Task<(IndexObject.PackEntry, Int), any Error>] = []
    private var chunks: [ChunkID] = []
    private var addedThisStream: Set<ChunkID> = []
    private var newPacks: [IndexObject.PackEntry] = []
    private var size: Int64 = 0
    private var storedBytes: Int64 = 0
    private let compressors = ZstdContexts()
    private let progress: (_ bytesRead: Int64, _ bytesStored: Int64) -> Void

    init(repository: Repository, known: ChunkIndex, layout: StreamLayout, blockSize: Int?, progress: @escaping (_ bytesRead: Int64, _ bytesStored: Int64) -> Void) {
        self.repository = repository
        self.known = known
        self.chunker = StreamChunker(
            layout: layout, blockSize: blockSize ?? repository.config.fileBlockSize, parameters: repository.config.chunker, gear: repository.master.gearTable()
        )
        self.packer = PackBuilder(sealer: repository.sealer)
        self.progress = progress
    }

    /// Adds the next bytes of the stream.
    package func append(_ bytes: [UInt8]) async throws {
        size += Int64(bytes.count)
        chunker.append(bytes)
        while let chunk = chunker.nextChunk(isFinal: false) {
            try await submit(chunk)
        }
        progress(size, storedBytes)
    }

    func finish() async throws -> StreamWriteResult {
        while let chunk = chunker.nextChunk(isFinal: true) {
            try await submit(chunk)
        }
        try await submitBatch()
        while !processing.isEmpty {
            try await absorb(try await processing.removeFirst().value)
        }
        if !packer.isEmpty {
            try await upload(try packer.finishUnnamed())
        }
        while !uploads.isEmpty {
            try await collectUpload()
        }
        if !newPacks.isEmpty {
            try await repository.writeIndex(newPacks)
        }
        progress(size, storedBytes)
        return StreamWriteResult(chunks: chunks, size: size, storedBytes: storedBytes, newChunks: addedThisStream.count)
    }

    func cancelAll() {
        processing.forEach { $0.cancel() }
        uploads.forEach { $0.cancel() }
    }

    /// Adds `chunk` to the batch, and hands the batch to a task once it is big enough.
    private func submit(_ chunk: [UInt8]) async throws {
        batch.append(chunk)
        batchSize += chunk.count
        if batchSize >= batchBytes { try await submitBatch() }
    }

    private func submitBatch() async throws {
        guard !batch.isEmpty else { return }
        let chunks = batch
        batch = []
        batchSize = 0
        if processing.count >= processingLimit {
            try await absorb(try await processing.removeFirst().value)
        }
        let master = repository.master
        let sealer = repository.sealer
        let known = self.known
        let level = repository.config.compression.level
        let compressors = self.compressors
        processing.append(
            Task {
                try chunks.map { chunk in
                    let id = master.chunkID(of: chunk)
                    if known.contains(id) {
                        return ProcessedChunk(id: id, sealed: nil, rawLength: chunk.count)
                    }
                    let sealed = try sealer.seal(Payload.encode(chunk, level: level, contexts: compressors), associatedData: id.bytes)
                    return ProcessedChunk(id: id, sealed: sealed, rawLength: chunk.count)
                }
            }
        )
    }

    private func absorb(_ processed: [ProcessedChunk]) async throws {
        for chunk in processed {
            chunks.append(chunk.id)
            // `sealed` is nil for chunks the index already had; only duplicates inside this stream remain.
            guard let sealed = chunk.sealed, !addedThisStream.contains(chunk.id) else { continue }
            addedThisStream.insert(chunk.id)
            packer.add(id: chunk.id, sealed: sealed, rawLength: chunk.rawLength)
            if packer.size >= repository.config.packSize {
                try await upload(try packer.finishUnnamed())
            }
        }
    }

    /// Names (SHA-256) and uploads a pack in its own task, so hashing 16 MiB does not hold up
    /// the chunker; the index learns of the pack when its upload is collected, in order.
    private func upload(_ pack: UnnamedPack) async throws {
        if uploads.count >= uploadLimit {
            try await collectUpload()
            progress(size, storedBytes)
        }
        let store = repository.store
        uploads.append(
            Task {
                let named = pack.named()
                try await store.put(named.bytes, at: named.key)
                return (IndexObject.PackEntry(id: named.id, blobs: named.blobs), named.bytes.count)
            }
        )
    }

    private func collectUpload() async throws {
        let (entry, bytes) = try await uploads.removeFirst().value
        newPacks.append(entry)
        blobsInNewPacks += entry.blobs.count
        storedBytes += Int64(bytes)
        // Packs are referenced by no manifest yet, so indexing them early is safe; smaller
        // index objects keep memory flat when the stream has millions of chunks.
        if blobsInNewPacks >= indexBlobLimit {
            try await repository.writeIndex(newPacks)
            newPacks = []
            blobsInNewPacks = 0
        }
    }
}

extension Repository {
    /// Writes one stream: `body` appends its bytes; packs and an index object are stored.
    ///
    /// The stream's chunks are only referenced once the caller saves a manifest listing them,
    /// so a failure here leaves nothing that looks like a backup.
    /// - Parameters:
    ///   - index: the repository's index, for deduplication.
    ///   - layout: how the stream is cut (a tar archive along its members, fixed blocks, else
    ///     content-defined).
    ///   - blockSize: the block size of the fixed layout (a multiple of 512); nil takes the
    ///     repository's `fileBlockSize`.
    ///   - progress: called with bytes read and bytes stored so far.
    package func writeStream(
        index: ChunkIndex,
        layout: StreamLayout = .contentDefined,
        blockSize: Int? = nil,
        progress: @escaping (_ bytesRead: Int64, _ bytesStored: Int64) -> Void = { _, _ in },
        _ body: (StreamWriter) async throws -> Void
    ) async throws -> StreamWriteResult {
        let writer = StreamWriter(repository: self, known: index, layout: layout, blockSize: blockSize, progress: progress)
        do {
            try await body(writer)
            return try await writer.finish()
        } catch {
            writer.cancelAll()
            throw error
        }
    }
}
