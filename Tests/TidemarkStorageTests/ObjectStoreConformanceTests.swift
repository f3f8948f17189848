import Foundation
import Testing
import TidemarkCore
import TidemarkStorage
import TidemarkTesting

/// The stores the conformance suite runs against: a local directory and S3 (moto's server,
/// under a key prefix, through our own client).
enum StoreUnderTest: String, CaseIterable, CustomTestStringConvertible {
    case localDirectory
    case s3OnMoto

    var testDescription: String { rawValue }

    func withStore(_ body: (any ObjectStore) async throws -> Void) async throws {
        switch self {
        case .localDirectory:
            try await withTemporaryDirectory { directory in
                let store = LocalDirectoryObjectStore(root: directory)
                try store.prepare()
                try await body(store)
            }
        case .s3OnMoto:
            try await withMotoServer { moto in
                try await withS3HTTPClient { http in
                    try await body(try moto.store(prefix: "team/prod", http: http))
                }
            }
        }
    }
}

@Suite struct ObjectStoreConformanceTests {
    @Test("put then get returns the same bytes; ranges and sizes agree", arguments: StoreUnderTest.allCases)
    func putGet(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
            try await store.put(bytes, at: "data/ab/object")
            #expect(try await store.get("data/ab/object") == bytes)
            #expect(try await store.get("data/ab/object", range: 10..<20) == Array(bytes[10..<20]))
            #expect(try await store.size(of: "data/ab/object") == 100_000)
            try await store.put([1, 2, 3], at: "data/ab/object")
            #expect(try await store.get("data/ab/object") == [1, 2, 3])
        }
    }

    @Test("missing objects are not-found errors; size is nil; delete is idempotent", arguments: StoreUnderTest.allCases)
    func missing(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let error = await #expect(throws: StorageError.self) { _ = try await store.get("snapshots/none") }
            #expect(error?.category == .notFound)
            #expect(try await store.size(of: "snapshots/none") == nil)
            try await store.delete("snapshots/none")
            try await store.put([9], at: "snapshots/one")
            try await store.delete("snapshots/one")
            try await store.delete("snapshots/one")
            #expect(try await store.size(of: "snapshots/one") == nil)
        }
    }

    @Test("list returns every object under a prefix, sorted, and nothing else", arguments: StoreUnderTest.allCases)
    func list(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            for key in ["data/bb/2", "data/aa/1", "index/x", "snapshots/s", "config"] {
                try await store.put([0], at: key)
            }
            #expect(try await store.list(prefix: "data/").map(\.key) == ["data/aa/1", "data/bb/2"])
            #expect(try await store.list(prefix: "snapshots/").map(\.key) == ["snapshots/s"])
            #expect(try await store.list(prefix: "").count == 5)
            #expect(try await store.list(prefix: "locks/").isEmpty)
        }
    }

    @Test("a batch delete removes every key given, skips missing ones and keeps the rest", arguments: StoreUnderTest.allCases)
    func batchDelete(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            let keys = (0..<30).map { "data/\($0 % 3)/object-\($0)" }
            for key in keys { try await store.put([UInt8(keys.firstIndex(of: key) ?? 0)], at: key) }
            try await store.delete(keys: Array(keys[0..<20]) + ["data/none/missing"])
            #expect(try await store.list(prefix: "data/").map(\.key) == keys[20...].sorted())
        }
    }

    @Test("keys that could escape the root are refused", arguments: StoreUnderTest.allCases)
    func escapes(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store in
            for key in ["../outside", "/etc/passwd", "data/../../x", "a//b", ""] {
                await #expect(throws: StorageError.self, "key \(key)") { try await store.put([1], at: key) }
                await #expect(throws: StorageError.self, "key \(key)") { _ = try await store.get(key) }
            }
        }
    }
}

@Suite struct LocalDirectoryFaultTests {
    @Test("a full disk is reported as storage-full and leaves no partial object")
    func diskFull() async throws {
        let ran = try await withSmallFilesystem(kilobytes: 256) { path in
            let store = LocalDirectoryObjectStore(root: path)
            try store.prepare()
            let error = await #expect(throws: StorageError.self) { try await store.put(Array(repeating: 1, count: 1 << 20), at: "data/aa/big") }
            #expect(error?.kind == .diskFull)
            #expect(error?.message.contains("no space left") == true)
            #expect(try await store.size(of: "data/aa/big") == nil)
            #expect(try await store.list(prefix: "").isEmpty)
            return true
        }
        if ran == nil { print("skipped: mounting a tmpfs needs root") }
    }

    @Test("a read-only directory is reported as storage-not-writable")
    func readOnly() async throws {
        let ran = try await withSmallFilesystem(kilobytes: 256, readOnly: true) { path in
            let store = LocalDirectoryObjectStore(root: path)
            let error = #expect(throws: StorageError.self) { try store.prepare() }
            #expect(error?.kind == .notWritable)
            #expect(error?.message.contains("not writable") == true)
            return true
        }
        if ran == nil { print("skipped: mounting a tmpfs needs root") }
    }
}
