import Crypto
import TidemarkCore

/// What copying streams into a repository sent.
package struct CopyStreamsResult: Sendable, Equatable {
    /// The streams as the target repository lists them (other chunk ids when re-chunked).
    package var streams: [StreamReference]
    /// Chunks the target did not have, now stored there.
    package var chunksSent: Int
    /// Chunks the target already had.
    package var chunksPresent: Int
    /// Bytes of new packs written to the target.
    package var bytesSent: Int64
    /// True when the streams were cut again with the target's keys (the repositories do not
    /// share chunk ids); false when sealed chunks moved as they are.
    package var rechunked: Bool
}

extension Repository {
    /// Whether `other` names and cuts chunks exactly as this repository does (the same id
    /// key, chunker parameters and file block size): a repository made with `--copy-of`.
    package func sharesChunking(with other: Repository) -> Bool {
        let mine = master.idKey.withUnsafeBytes { Array($0) }
        let theirs = other.master.idKey.withUnsafeBytes { Array($0) }
        return mine == theirs && config.chunker == other.config.chunker && config.fileBlockSize == other.config.fileBlockSize
    }

    /// Copies `streams` of `source` into this repository, sending only chunks missing here.
    ///
    /// When the repositories share chunking, each missing chunk's framed (compressed)
    /// payload is opened with the source's key and sealed with this one's: nothing is cut,
    /// hashed or compressed again. Otherwise each stream is read and written again through
    /// ``writeStream(index:layout:blockSize:progress:_:)`` with this repository's keys, which
    /// stores only the chunks it does not have. The caller writes the manifest after.
    /// - Parameters:
    ///   - index: this repository's index; `sourceIndex` the source's.
    ///   - progress: bytes of the streams handled so far, bytes sent so far.
    package func copyStreams(
        _ streams: [StreamReference], from source: Repository, sourceIndex: ChunkIndex, index: ChunkIndex,
        progress: @escaping (_ bytesDone: Int64, _ bytesSent: Int64) -> Void = { _, _ in }
    ) async throws -> CopyStreamsResult {
        if sharesChunking(with: source) {
            return try await copySealedChunks(streams, from: source, sourceIndex: sourceIndex, index: index, progress: progress)
        }
        var result = CopyStreamsResult(streams: [], chunksSent: 0, chunksPresent: 0, bytesSent: 0, rechunked: true)
        var done: Int64 = 0
        for stream in streams {
            let (layout, blockSize) = try Self.layout(of: stream, in: sourceIndex)
            let base = done
            let sentBefore = result.bytesSent
            let written = try await source.withStreamReader(stream, index: sourceIndex) { reader in
                try await writeStream(index: index, layout: layout, blockSize: blockSize, progress: { read, stored in progress(base + read, sentBefore + stored) }) { writer in
                    while let chunk = try await reader.nextChunk() { try await writer.append(chunk) }
                }
            }
            guard written.size == stream.size else {
                throw RepositoryError(.objectCorrupted, "stream \(stream.name) read back as \(written.size) bytes, its manifest says \(stream.size)")
            }
            done += stream.size
            result.streams.append(StreamReference(name: stream.name, format: stream.format, size: written.size, chunks: written.chunks.map(\.hex)))
            result.chunksSent += written.newChunks
            result.chunksPresent += written.chunks.count - written.newChunks
            result.bytesSent += written.storedBytes
        }
        return result
    }

    /// How a stream of this format was cut, so a re-chunked copy deduplicates like a backup.
    /// A SQLite file's block size is its first chunk's length (every chunk but the last has it).
    static func layout(of stream: StreamReference, in index: ChunkIndex) throws -> (StreamLayout, Int?) {
        switch stream.format {
        case "pg_basebackup-tar":
            return (.tar, nil)
        case "sqlite-file":
            if let first = try stream.chunkIDs().first, let length = index.location(of: first)?.rawLength,
                length > 0, length % 512 == 0, length <= 16 << 20 {
                return (.fixedBlocks, Int(length))
            }
            return (.contentDefined, nil)
        default:
            return (.contentDefined, nil)
        }
    }

    /// The shared-chunking copy: missing chunks re-sealed, read in runs of adjacent blobs.
    private func copySealedChunks(
        _ streams: [StreamReference], from source: Repository, sourceIndex: ChunkIndex, index: ChunkIndex,
        progress: (_ bytesDone: Int64, _ bytesSent: Int64) -> Void
    ) async throws -> CopyStreamsResult {
        var result = CopyStreamsResult(streams: streams, chunksSent: 0, chunksPresent: 0, bytesSent: 0, rechunked: false)
        var packer = PackBuilder(sealer: sealer)
        var newPacks: [IndexObject.PackEntry] = []
        var added: Set<ChunkID> = []
        var run: [(ChunkID, BlobLocation)] = []
        var done: Int64 = 0

        func flushRun() async throws {
            guard !run.isEmpty else { return }
            let framed = try await source.readFramedChunks(run.map(\.0), at: run.map(\.1))
            for ((id, location), payload) in zip(run, framed) {
                packer.add(id: id, sealed: try sealer.seal(payload, associatedData: id.bytes), rawLength: Int(location.rawLength))
                if packer.size >= config.packSize {
                    let pack = try packer.finishUnnamed().named()
                    try await store.put(pack.bytes, at: pack.key)
                    newPacks.append(IndexObject.PackEntry(id: pack.id, blobs: pack.blobs))
                    result.bytesSent += Int64(pack.bytes.count)
                }
            }
            run = []
        }

        for stream in streams {
            for id in try stream.chunkIDs() {
                guard let location = sourceIndex.location(of: id) else {
                    throw RepositoryError(.chunkMissing, "chunk \(id.hex.prefix(16)) of stream \(stream.name) is not in the index of \(source.store.location)")
                }
                done += location.rawLength
                if index.contains(id) || added.contains(id) {
                    result.chunksPresent += 1
                    continue
                }
                added.insert(id)
                result.chunksSent += 1
                // A run is blobs back to back in one pack, read with one ranged GET, up to 8 MiB.
                if let last = run.last?.1, last.pack != location.pack || last.offset + last.length != location.offset
                    || location.offset + location.length - (run.first?.1.offset ?? 0) > 8 << 20 {
                    try await flushRun()
                }
                run.append((id, location))
            }
            try await flushRun()
            progress(done, result.bytesSent)
        }
        if !packer.isEmpty {
            let pack = try packer.finishUnnamed().named()
            try await store.put(pack.bytes, at: pack.key)
            newPacks.append(IndexObject.PackEntry(id: pack.id, blobs: pack.blobs))
            result.bytesSent += Int64(pack.bytes.count)
        }
        if !newPacks.isEmpty { try await writeIndex(newPacks) }
        progress(done, result.bytesSent)
        return result
    }

    /// Copies the WAL archive of `namespace` from `source`: every file this repository does
    /// not hold by name, and the newest partial snapshots. Returns the files and bytes stored.
    package func copyWAL(namespace: String, from source: Repository) async throws -> (files: Int, bytes: Int64) {
        let prefix = RepositoryLayout.walPrefix(namespace: namespace)
        var present: Set<String> = []
        for info in try await store.list(prefix: prefix) {
            if let parsed = Self.parseWALKey(info.key) { present.insert(parsed.name) }
        }
        var copied = (files: 0, bytes: Int64(0))
        for info in try await source.store.list(prefix: prefix) {
            guard let parsed = Self.parseWALKey(info.key) else { continue }
            let isPartial = WALFileName.isPartialName(parsed.name)
            if present.contains(parsed.name) && !isPartial { continue }
            let sealed = try await source.getObject(info.key)
            let contents = try Payload.decode(try source.sealer.open(sealed, associatedData: Self.walLabel(info.key), what: info.key))
            guard Self.walTag(source.master.chunkID(of: contents)) == parsed.tag else {
                throw RepositoryError(.objectCorrupted, "\(info.key) does not hold the WAL its name says")
            }
            if try await pushWAL(namespace: namespace, name: parsed.name, contents: contents, writtenAt: parsed.writtenAt, replacing: isPartial) == .stored {
                copied.files += 1
                copied.bytes += Int64(contents.count)
            }
            // As the source does once a segment is complete: its partial snapshots go.
            if parsed.name.count == 24 { try await deletePartialWAL(namespace: namespace, segment: parsed.name) }
            present.insert(parsed.name)
        }
        return copied
    }
}
