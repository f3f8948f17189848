import Crypto
import Testing
import TidemarkRepository

/// Chunk ids are the repository's dedup keys (docs/FORMAT.md): however they are computed, they
/// must stay HMAC-SHA-256 of the plaintext, words in big-endian order.
@Suite struct ChunkIDTests {
    @Test("a chunk id is the HMAC-SHA-256 of the chunk under the id key, in the documented hex form")
    func idIsHMAC() {
        let key = MasterKey.generate()
        for size in [0, 1, 4096, 100_003] {
            let chunk = pseudoRandomBytes(size, seed: UInt64(size) + 3)
            let expected = HMAC<SHA256>.authenticationCode(for: chunk, using: key.idKey).map { byte in
                let digits = Array("0123456789abcdef")
                return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
            }.joined()
            let id = key.chunkID(of: chunk)
            #expect(id.hex == expected)
            #expect(ChunkID(hex: expected) == id)
            #expect(ChunkID(bytes: id.bytes) == id)
        }
    }
}
