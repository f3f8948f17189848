import Foundation
import Testing
@testable import TidemarkControl
import TidemarkCore
import TidemarkRepository
import TidemarkTesting

/// A restore lists an external server's archive once, but the receiver keeps replacing the
/// partial snapshot of the segment it is writing (a newer snapshot, then the complete
/// segment): fetching the snapshot the listing named must still give that segment's WAL.
@Suite struct WALPartialFetchTests {
    let namespace = "0123456789ab"
    let segment = "000000010000000000000007"

    @Test("a partial snapshot replaced after the listing is fetched as its newest snapshot, then as the complete segment; backup history files beside it are never taken")
    func replacedSnapshot() async throws {
        try await ControlHarness.with { harness in
            let repository = try await harness.control.openRepository(try await harness.control.storage(named: "local1"))
            let first = Array(repeating: UInt8(1), count: 4096)
            let second = Array(repeating: UInt8(2), count: 4096)
            let complete = Array(repeating: UInt8(3), count: 4096)
            let start = harness.time.now
            _ = try await repository.pushWAL(namespace: namespace, name: "\(segment).partial", contents: first, writtenAt: start, replacing: true)
            _ = try await repository.pushWAL(namespace: namespace, name: "\(segment).00000028.backup", contents: [9, 9, 9], writtenAt: start.addingTimeInterval(60))
            let listed = try #require(try await repository.listWAL(namespace: namespace, segmentSize: 16 << 20).first { $0.isPartial })
            #expect(try await repository.fetchWAL(listed) == first)

            _ = try await repository.pushWAL(namespace: namespace, name: "\(segment).partial", contents: second, writtenAt: start.addingTimeInterval(30), replacing: true)
            #expect(try await repository.fetchWAL(listed) == second, "the older snapshot is gone: the newest one serves")

            _ = try await repository.pushWAL(namespace: namespace, name: segment, contents: complete, writtenAt: start.addingTimeInterval(40))
            try await repository.deletePartialWAL(namespace: namespace, segment: segment)
            #expect(try await repository.fetchWAL(listed) == complete, "all snapshots gone: the complete segment serves")

            let gone = ArchivedWAL(name: listed.name, writtenAt: listed.writtenAt, key: listed.key, size: listed.size, isPartial: false)
            try await repository.deleteWAL(try await repository.listWAL(namespace: namespace, segmentSize: 16 << 20).filter { $0.name == listed.name })
            await #expect(throws: RepositoryError.self, "a complete segment that is gone is not replaced by anything") {
                try await repository.fetchWAL(gone)
            }
        }
    }
}
