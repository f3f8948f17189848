import Foundation
import Logging
import Testing
import TidemarkCore
import TidemarkRepository
import TidemarkStorage
import TidemarkTesting

@Suite struct VerifyTests {
    @Test("verify passes on a healthy backup, with and without reading data")
    func healthy() async throws {
        try await withTemporaryDirectory { directory in
            let repository = try await Repository.initialize(in: LocalDirectoryObjectStore(root: directory), passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            try await writeBackup(repository, id: "b1", data: pseudoRandomBytes(2 << 20, seed: 2))
            #expect(try await repository.verify(backupID: "b1", readData: false).isHealthy)
            let report = try await repository.verify(backupID: "b1", readData: true)
            #expect(report.isHealthy)
            #expect(report.bytesRead > 2 << 20)
        }
    }

    @Test("a flipped byte in a pack is reported by --read-data, naming the pack")
    func corruption() async throws {
        try await withTemporaryDirectory { directory in
            let store = LocalDirectoryObjectStore(root: directory)
            let repository = try await Repository.initialize(in: store, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            try await writeBackup(repository, id: "b1", data: pseudoRandomBytes(2 << 20, seed: 2))
            let pack = try #require(try await store.list(prefix: "data/").first)
            var bytes = try await store.get(pack.key)
            bytes[100] ^= 0xFF
            try await store.put(bytes, at: pack.key)
            #expect(try await repository.verify(backupID: "b1", readData: false).isHealthy)
            let report = try await repository.verify(backupID: "b1", readData: true)
            #expect(!report.isHealthy)
            #expect(report.problems.contains { $0.object == pack.key && $0.problem.contains("corrupted") })
            await #expect(throws: RepositoryError.self) { _ = try await readBackup(repository, id: "b1") }
        }
    }

    @Test("a missing pack is reported without reading data, naming the pack")
    func missingPack() async throws {
        try await withTemporaryDirectory { directory in
            let store = LocalDirectoryObjectStore(root: directory)
            let repository = try await Repository.initialize(in: store, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            try await writeBackup(repository, id: "b1", data: pseudoRandomBytes(2 << 20, seed: 2))
            let pack = try #require(try await store.list(prefix: "data/").first)
            try await store.delete(pack.key)
            let report = try await repository.verify(backupID: "b1", readData: false)
            #expect(report.problems.map(\.object) == [pack.key])
            #expect(report.problems.first?.problem.hasPrefix("missing") == true)
        }
    }
}

@Suite struct GarbageCollectionTests {
    @Test("collecting after a purge deletes only data no remaining backup uses")
    func collects() async throws {
        try await withTemporaryDirectory { directory in
            let store = LocalDirectoryObjectStore(root: directory)
            let repository = try await Repository.initialize(in: store, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            let shared = pseudoRandomBytes(20 << 20, seed: 8)
            try await writeBackup(repository, id: "keep", data: shared)
            try await writeBackup(repository, id: "drop", data: pseudoRandomBytes(20 << 20, seed: 12))
            let before = try await store.list(prefix: "data/").count
            try await repository.deleteManifest(id: "drop")
            let report = try await repository.collectGarbage()
            #expect(report.packsDeleted > 0)
            #expect(try await store.list(prefix: "data/").count == before - report.packsDeleted)
            #expect(try await readBackup(repository, id: "keep") == shared)
            #expect(try await repository.verify(backupID: "keep", readData: true).isHealthy)
        }
    }

    @Test("a crash between upload and manifest leaves no backup, and its data is collected later")
    func crashBeforeManifest() async throws {
        try await withTemporaryDirectory { directory in
            let local = LocalDirectoryObjectStore(root: directory)
            _ = try await Repository.initialize(in: local, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            let faulty = FaultyObjectStore(base: local).failing(
                .put, matching: "snapshots/", with: TidemarkError(code: "crash", message: "simulated crash", category: .internal)
            )
            let repository = try await Repository.open(faulty, passphrase: testPassphrase, now: { Date() })
            await #expect(throws: TidemarkError.self) { try await writeBackup(repository, id: "half", data: pseudoRandomBytes(3 << 20, seed: 4)) }
            #expect(try await repository.manifestIDs().isEmpty)
            #expect(try await local.list(prefix: "data/").count > 0)
            let report = try await repository.collectGarbage()
            #expect(report.packsDeleted > 0)
            #expect(try await local.list(prefix: "data/").isEmpty)
        }
    }

    @Test("garbage collection refuses to run while a backup holds the lock (purge racing a backup)")
    func lockedByBackup() async throws {
        try await withTemporaryDirectory { directory in
            let repository = try await Repository.initialize(in: LocalDirectoryObjectStore(root: directory), passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            try await repository.withLock(exclusive: false, purpose: "backup x") {
                let error = await #expect(throws: RepositoryError.self) { _ = try await repository.collectGarbage() }
                #expect(error?.kind == .repositoryLocked)
                #expect(error?.message.contains("backup x") == true)
            }
            #expect(try await repository.collectGarbage().packsDeleted == 0)
        }
    }

    @Test("a backup refuses to start while garbage collection holds the lock")
    func lockedByCollection() async throws {
        try await withTemporaryDirectory { directory in
            let repository = try await Repository.initialize(in: LocalDirectoryObjectStore(root: directory), passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            try await repository.withLock(exclusive: true, purpose: "garbage collection") {
                let error = await #expect(throws: RepositoryError.self) {
                    try await repository.withLock(exclusive: false, purpose: "backup") {}
                }
                #expect(error?.kind == .repositoryLocked)
            }
        }
    }

    @Test("a lock left by a dead process or not refreshed in time is ignored")
    func staleLocks() async throws {
        try await withTemporaryDirectory { directory in
            let store = LocalDirectoryObjectStore(root: directory)
            let repository = try await Repository.initialize(in: store, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            let dead = LockObject(exclusive: false, host: ProcessInfo.processInfo.hostName, pid: 999_999, purpose: "crashed backup", createdAt: Date(), refreshedAt: Date())
            try await store.put(try JSONCoding.encode(dead), at: "locks/dead")
            let old = LockObject(exclusive: false, host: "other-host", pid: 1, purpose: "old backup", createdAt: Date(timeIntervalSinceNow: -7200), refreshedAt: Date(timeIntervalSinceNow: -7200))
            try await store.put(try JSONCoding.encode(old), at: "locks/old")
            _ = try await repository.collectGarbage()
            let live = LockObject(exclusive: false, host: "other-host", pid: 1, purpose: "live backup", createdAt: Date(), refreshedAt: Date())
            try await store.put(try JSONCoding.encode(live), at: "locks/live")
            await #expect(throws: RepositoryError.self) { _ = try await repository.collectGarbage() }
        }
    }

    @Test("a lock is removed when the work fails or is cancelled, not left for others to wait out")
    func lockReleasedOnFailureAndCancel() async throws {
        try await withTemporaryDirectory { directory in
            let store = LocalDirectoryObjectStore(root: directory)
            let repository = try await Repository.initialize(in: store, passphrase: testPassphrase, kdf: testKDF, now: { Date() })
            struct Failed: Error {}
            await #expect(throws: Failed.self) {
                try await repository.withLock(exclusive: false, purpose: "failing backup") { throw Failed() }
            }
            #expect(try await store.list(prefix: "locks/").isEmpty)

            // A cancelled holder (graceful shutdown) still deletes its lock before it returns,
            // also when that delete meets a blip and must be retried after a backoff sleep.
            let blip = FaultyObjectStore(base: store).failing(.delete, matching: "locks/", call: 1, with: StorageError(.unavailable, "503 Slow Down"))
            let retrying = RetryingObjectStore(blip, policy: RetryPolicy(baseDelay: .milliseconds(5)), logger: Logger(label: "test"))
            let shaky = try await Repository.open(retrying, passphrase: testPassphrase, now: { Date() })
            let started = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await shaky.withLock(exclusive: false, purpose: "cancelled backup") {
                    started.continuation.yield()
                    try await Task.sleep(for: .seconds(60))
                }
            }
            for await _ in started.stream { break }
            #expect(try await store.list(prefix: "locks/").count == 1)
            holder.cancel()
            _ = await holder.result
            #expect(try await store.list(prefix: "locks/").isEmpty)
        }
    }
}
