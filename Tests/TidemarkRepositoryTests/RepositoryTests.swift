import Foundation
import Testing
import TidemarkCore
import TidemarkRepository
import TidemarkStorage
import TidemarkTesting

@Suite struct RepositoryTests {
    @Test("a stream round-trips, and writing it again stores nothing new")
    func roundTripAndDedup() async throws {
        try await withTemporaryDirectory { directory in
            let store = LocalDirectoryObjectStore(root: directory)
            let repository = try await Repository.initialize(in: store, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            let data = pseudoRandomBytes(3 << 20, seed: 1) + Array(repeating: 42, count: 2 << 20)
            let (_, first) = try await writeBackup(repository, id: "b1", data: data)
            #expect(first.storedBytes > 0)
            #expect(try await readBackup(repository, id: "b1") == data)
            let (_, second) = try await writeBackup(repository, id: "b2", data: data)
            #expect(second.storedBytes == 0)
            #expect(second.newChunks == 0)
            #expect(try await readBackup(repository, id: "b2") == data)
        }
    }

    @Test("a small change stores only a small fraction again")
    func smallChange() async throws {
        try await withTemporaryDirectory { directory in
            let repository = try await Repository.initialize(in: LocalDirectoryObjectStore(root: directory), passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            let data = pseudoRandomBytes(16 << 20, seed: 5)
            let (_, first) = try await writeBackup(repository, id: "b1", data: data)
            var changed = data
            changed.replaceSubrange(8_000_000..<8_000_100, with: pseudoRandomBytes(300, seed: 6))
            let (_, second) = try await writeBackup(repository, id: "b2", data: changed)
            #expect(second.storedBytes * 4 < first.storedBytes)
            #expect(try await readBackup(repository, id: "b2") == changed)
        }
    }

    @Test("a wrong passphrase is a clear error")
    func wrongPassphrase() async throws {
        try await withTemporaryDirectory { directory in
            let store = LocalDirectoryObjectStore(root: directory)
            _ = try await Repository.initialize(in: store, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            let error = await #expect(throws: RepositoryError.self) {
                _ = try await Repository.open(store, passphrase: Secret("wrong"), now: { Date() })
            }
            #expect(error?.kind == .wrongPassphrase)
            #expect(error?.category == .authentication)
        }
    }

    @Test("opening an empty directory says it holds no repository; initializing twice is refused")
    func notARepository() async throws {
        try await withTemporaryDirectory { directory in
            let store = LocalDirectoryObjectStore(root: directory)
            let missing = await #expect(throws: RepositoryError.self) { _ = try await Repository.open(store, passphrase: testPassphrase, now: { Date() }) }
            #expect(missing?.kind == .notARepository)
            _ = try await Repository.initialize(in: store, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            let twice = await #expect(throws: RepositoryError.self) {
                _ = try await Repository.initialize(in: store, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            }
            #expect(twice?.kind == .alreadyInitialized)
        }
    }

    @Test("objects are encrypted: the plaintext never appears in the repository files")
    func encrypted() async throws {
        try await withTemporaryDirectory { directory in
            let store = LocalDirectoryObjectStore(root: directory)
            let repository = try await Repository.initialize(in: store, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            let marker = Array("TIDEMARK-PLAINTEXT-MARKER-".utf8)
            let data = Array((0..<20_000).flatMap { _ in marker }.prefix(500_000))
            try await writeBackup(repository, id: "b1", data: data)
            for info in try await store.list(prefix: "") {
                let bytes = try await store.get(info.key)
                #expect(!String(decoding: bytes, as: UTF8.self).contains("TIDEMARK-PLAINTEXT-MARKER"), "plaintext in \(info.key)")
            }
        }
    }
}
