import Crypto
import TidemarkCore

/// One problem found by verification, named by the object it concerns.
package struct VerifyProblem: Sendable, Codable, Equatable {
    /// The object key (e.g. `data/ab/ab12…`) or `chunk <id>`.
    package var object: String
    package var problem: String
}

/// The outcome of verifying one backup.
package struct VerifyReport: Sendable, Codable, Equatable {
    package var backupID: String
    package var readData: Bool
    package var chunksChecked: Int
    package var packsChecked: Int
    package var bytesRead: Int64
    package var problems: [VerifyProblem]

    package var isHealthy: Bool { problems.isEmpty }
}

extension Repository {
    /// Checks that every chunk backup `id` references is indexed and stored; with `readData`,
    /// downloads every pack it uses, checks the pack's hash against its name, and decrypts,
    /// decompresses and re-hashes every chunk (SPEC §4.5).
    /// - Parameter progress: called with packs checked and the total.
    package func verify(
        backupID id: String,
        readData: Bool,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> VerifyReport {
        let manifest = try await manifest(id: id)
        let index = try await loadIndex()
        var sizes: [String: Int64] = [:]
        for info in try await store.list(prefix: RepositoryLayout.dataPrefix) {
            sizes[RepositoryLayout.packID(fromKey: info.key)] = info.size
        }
        var problems: [VerifyProblem] = []
        var chunksByPack: [String: [(ChunkID, BlobLocation)]] = [:]
        var seen: Set<ChunkID> = []
        for stream in manifest.streams {
            for chunk in try stream.chunkIDs() where seen.insert(chunk).inserted {
                guard let location = index.location(of: chunk) else {
                    problems.append(VerifyProblem(object: "chunk \(chunk.hex)", problem: "not in any index object (stream \(stream.name))"))
                    continue
                }
                chunksByPack[location.pack, default: []].append((chunk, location))
            }
        }
        var packsChecked = 0
        var bytesRead: Int64 = 0
        let packs = chunksByPack.keys.sorted()
        for pack in packs {
            let key = RepositoryLayout.packKey(pack)
            defer {
                packsChecked += 1
                progress(packsChecked, packs.count)
            }
            guard let size = sizes[pack] else {
                problems.append(VerifyProblem(object: key, problem: "missing (holds \(chunksByPack[pack]?.count ?? 0) referenced chunks)"))
                continue
            }
            let blobs = chunksByPack[pack] ?? []
            if let beyond = blobs.first(where: { $0.1.offset + $0.1.length > size }) {
                problems.append(VerifyProblem(object: key, problem: "truncated: \(size) bytes, chunk \(beyond.0.hex.prefix(16)) ends at \(beyond.1.offset + beyond.1.length)"))
                continue
            }
            guard readData else { continue }
            let bytes: [UInt8]
            do {
                bytes = try await store.get(key)
            } catch let error as any UserFacingError where error.category == .notFound {
                problems.append(VerifyProblem(object: key, problem: "missing"))
                continue
            }
            bytesRead += Int64(bytes.count)
            if Hex.encode(SHA256.hash(data: bytes)) != pack {
                problems.append(VerifyProblem(object: key, problem: "content does not match its name (SHA-256 mismatch): corrupted"))
            }
            for (chunk, location) in blobs {
                let start = Int(location.offset)
                let end = start + Int(location.length)
                guard end <= bytes.count else {
                    problems.append(VerifyProblem(object: key, problem: "chunk \(chunk.hex.prefix(16)) lies beyond the end of the pack"))
                    continue
                }
                do {
                    let plain = try Payload.decode(
                        try sealer.open(bytes[start..<end], associatedData: chunk.bytes, what: "chunk"),
                        limit: Int(location.rawLength)
                    )
                    if master.chunkID(of: plain) != chunk {
                        problems.append(VerifyProblem(object: key, problem: "chunk \(chunk.hex.prefix(16)) does not hash to its id"))
                    }
                } catch {
                    problems.append(VerifyProblem(object: key, problem: "chunk \(chunk.hex.prefix(16)) failed authentication or decompression: corrupted"))
                }
            }
        }
        return VerifyReport(
            backupID: id,
            readData: readData,
            chunksChecked: seen.count,
            packsChecked: packsChecked,
            bytesRead: bytesRead,
            problems: problems
        )
    }
}
