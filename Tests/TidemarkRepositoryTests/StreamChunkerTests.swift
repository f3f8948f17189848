import Testing
import TidemarkCore
import TidemarkRepository
import TidemarkTesting

@Suite struct StreamChunkerTests {
    let parameters = ChunkerParameters(minimumSize: 4 << 10, averageSize: 16 << 10, maximumSize: 64 << 10)
    let gear = (0..<256).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 ^ 0xD6E8_FEB8_6659_FD93 }
    let block = 64 << 10

    func chunks(of data: [UInt8], layout: StreamLayout = .tar, appendSize: Int = 10_000) -> [[UInt8]] {
        var chunker = StreamChunker(layout: layout, blockSize: block, parameters: parameters, gear: gear)
        var result: [[UInt8]] = []
        var offset = 0
        while offset < data.count {
            let end = min(data.count, offset + appendSize)
            chunker.append(Array(data[offset..<end]))
            offset = end
            while let chunk = chunker.nextChunk(isFinal: false) { result.append(chunk) }
        }
        while let chunk = chunker.nextChunk(isFinal: true) { result.append(chunk) }
        return result
    }

    func archive(relation: [UInt8], mtime: Int = 1) -> [UInt8] {
        ustarArchive([
            ("backup_label", Array("START WAL LOCATION: 0/2000028\n".utf8), mtime),
            ("base/5/16384", relation, mtime),
            ("base/5/16384_fsm", pseudoRandomBytes(24_576, seed: 3), mtime),
            ("pg_wal/000000010000000000000002", pseudoRandomBytes(300_000, seed: 4), mtime),
            ("global/pg_control", pseudoRandomBytes(8_192, seed: 5), mtime),
        ])
    }

    @Test("tar chunks concatenate to the exact archive, however the input is split")
    func lossless() {
        let data = archive(relation: pseudoRandomBytes(1_000_000, seed: 1))
        // 511 splits inside every header; the whole archive at once is the other extreme.
        for size in [511, 512, 4_096, 65_537, data.count] {
            let result = chunks(of: data, appendSize: size)
            #expect(result.flatMap { $0 } == data, "append size \(size)")
        }
        #expect(chunks(of: data, appendSize: 511).map(\.count) == chunks(of: data, appendSize: 65_536).map(\.count))
    }

    @Test("a relation file is cut into file-aligned blocks; headers are chunks of their own")
    func relationBlocks() {
        let relation = pseudoRandomBytes(5 * block + 8_192, seed: 2)
        let result = chunks(of: archive(relation: relation))
        let relationChunks = result.filter { chunk in chunk.count == block || chunk == Array(relation.suffix(8_192)) }
        #expect(relationChunks.count == 6)
        for index in 0..<5 { #expect(result.contains(Array(relation[(index * block)..<((index + 1) * block)]))) }
        // Every header is cut alone: 512 bytes (plus the padding of the member before it).
        #expect(result.first?.count == 512)
    }

    @Test("changing one page rewrites one block; a new mtime only touches headers")
    func dedup() {
        var relation = pseudoRandomBytes(8 * block, seed: 9)
        let first = Set(chunks(of: archive(relation: relation, mtime: 1)))
        for index in 0..<8_192 { relation[3 * block + 16_384 + index] ^= 0xff }
        let second = chunks(of: archive(relation: relation, mtime: 2))
        let new = second.filter { !first.contains($0) }
        let newBlocks = new.filter { $0.count == block }
        #expect(newBlocks.count == 1)
        #expect(new.allSatisfy { $0.count == block || $0.count <= 1_024 })
    }

    @Test("relation file names")
    func relationNames() {
        for path in ["base/5/16384", "base/1/1259_fsm", "base/16384/2619_vm.2", "global/1262", "base/5/16384.12", "base/5/3455_init"] {
            #expect(StreamChunker.isRelationFile(path), "\(path)")
        }
        for path in ["base/5/PG_VERSION", "global/pg_control", "pg_wal/000000010000000000000002", "base/5/pg_filenode.map", "base/x/1", "base/5/1.", "base/5/_vm", "backup_label"] {
            #expect(!StreamChunker.isRelationFile(path), "\(path)")
        }
    }

    @Test("a stream that is not a tar still chunks losslessly")
    func notATar() {
        let data = pseudoRandomBytes(300_000, seed: 12)
        #expect(chunks(of: data).flatMap { $0 } == data)
        #expect(chunks(of: data, layout: .contentDefined).flatMap { $0 } == data)
    }

    @Test("fixed blocks cut at every block boundary from the stream's start, however the input is split; the tail is the last chunk")
    func fixedBlocks() {
        let data = pseudoRandomBytes(7 * block + 1_000, seed: 11)
        for size in [511, 4_096, block, 100_003, data.count] {
            let result = chunks(of: data, layout: .fixedBlocks, appendSize: size)
            #expect(result.flatMap { $0 } == data, "append size \(size)")
            #expect(result.map(\.count) == Array(repeating: block, count: 7) + [1_000], "append size \(size)")
        }
        // One changed byte changes one block, the others stay the same chunks.
        var changed = data
        changed[3 * block + 17] ^= 0xFF
        let before = chunks(of: data, layout: .fixedBlocks)
        let after = chunks(of: changed, layout: .fixedBlocks)
        #expect(zip(before, after).filter { $0 != $1 }.count == 1)
    }
}
