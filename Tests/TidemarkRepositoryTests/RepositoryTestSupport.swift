import Foundation
import TidemarkCore
import TidemarkRepository
import TidemarkStorage
import TidemarkTesting

/// A cheap KDF so tests do not spend 0.1 s per open.
let testKDF = KDFParameters(n: 1 << 10, r: 8, p: 1)
let testPassphrase = Secret("correct horse battery staple")

/// Deterministic pseudo-random bytes (xorshift), so runs are repeatable.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var bytes = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        bytes[index] = UInt8(truncatingIfNeeded: state)
    }
    return bytes
}

/// Writes `data` as one stream and saves a manifest for it; returns the manifest.
@discardableResult
func writeBackup(_ repository: Repository, id: String, data: [UInt8]) async throws -> (BackupManifest, StreamWriteResult) {
    let index = try await repository.loadIndex()
    let written = try await repository.writeStream(index: index) { writer in
        var offset = 0
        while offset < data.count {
            let end = min(data.count, offset + 100_000)
            try await writer.append(Array(data[offset..<end]))
            offset = end
        }
    }
    let manifest = BackupManifest(
        id: id, database: "db", engine: .postgres, method: .logical, trigger: .manual, serverVersion: "15",
        startedAt: Date(), finishedAt: Date(), logicalBytes: written.size, storedBytes: written.storedBytes,
        databases: [], dumpObjects: [],
        streams: [StreamReference(name: "s", format: "raw", size: written.size, chunks: written.chunks.map(\.hex))]
    )
    try await repository.saveManifest(manifest)
    return (manifest, written)
}

/// Reads a backup's stream back.
func readBackup(_ repository: Repository, id: String) async throws -> [UInt8] {
    let manifest = try await repository.manifest(id: id)
    let index = try await repository.loadIndex()
    var result: [UInt8] = []
    try await repository.withStreamReader(manifest.streams[0], index: index) { reader in
        while let chunk = try await reader.nextChunk() { result.append(contentsOf: chunk) }
    }
    return result
}
