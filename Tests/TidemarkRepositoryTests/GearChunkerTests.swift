import Testing
import TidemarkRepository

@Suite struct GearChunkerTests {
    let parameters = ChunkerParameters(minimumSize: 4 << 10, averageSize: 16 << 10, maximumSize: 64 << 10)
    let gear = (0..<256).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 ^ 0xD6E8_FEB8_6659_FD93 }

    func chunks(of data: [UInt8], appendSize: Int = 10_000) -> [[UInt8]] {
        var chunker = GearChunker(parameters: parameters, gear: gear)
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

    @Test("chunks concatenate to the input and respect the size bounds")
    func bounds() {
        let data = pseudoRandomBytes(1_000_000, seed: 7)
        let result = chunks(of: data)
        #expect(result.flatMap { $0 } == data)
        for chunk in result.dropLast() {
            #expect(chunk.count >= parameters.minimumSize && chunk.count <= parameters.maximumSize)
        }
        let average = data.count / result.count
        #expect(average > parameters.minimumSize && average < parameters.maximumSize)
    }

    @Test("cut points do not depend on how the input is split into appends")
    func independentOfBuffering() {
        let data = pseudoRandomBytes(500_000, seed: 11)
        #expect(chunks(of: data, appendSize: 777).map(\.count) == chunks(of: data, appendSize: 65_536).map(\.count))
    }

    @Test("inserting bytes at the start changes only the first chunks")
    func contentDefined() {
        let data = pseudoRandomBytes(1_000_000, seed: 3)
        let shifted = pseudoRandomBytes(1_000, seed: 99) + data
        let original = Set(chunks(of: data).map { $0.hashValue })
        let after = chunks(of: shifted)
        let shared = after.filter { original.contains($0.hashValue) }.count
        #expect(shared >= after.count - 3)
    }
}
