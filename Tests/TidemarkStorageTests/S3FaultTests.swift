import Foundation
import Logging
import Testing
import TidemarkCore
import TidemarkStorage
import TidemarkTesting

/// Transient faults between us and a real S3 server, injected by a TCP proxy or a faulty
/// wrapper: retries cure them; persistent faults fail with the right kind, quickly.
@Suite struct S3FaultTests {
    static let quiet = {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return logger
    }()
    static let fastRetries = RetryPolicy(attempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), sleep: { _ in })

    /// A retrying S3 store on moto, reached through a proxy that treats connection n as `behavior(n)`.
    func withFaultyS3<T>(readTimeoutSeconds: Int64 = 60, _ behavior: @escaping @Sendable (Int) -> FaultProxy.Behavior, _ body: (RetryingObjectStore, S3ObjectStore, FaultProxy) async throws -> T) async throws -> T {
        try await withMotoServer { moto in
            let proxy = try FaultProxy(upstreamPort: moto.port, behavior: behavior)
            defer { proxy.stop() }
            return try await withS3HTTPClient(S3HTTPClient(connectTimeoutSeconds: 2, readTimeoutSeconds: readTimeoutSeconds)) { http in
                var settings = moto.settings(prefix: "faults")
                settings.endpoint = "http://127.0.0.1:\(proxy.port)"
                let direct = try moto.store(prefix: "faults", http: http)
                let store = RetryingObjectStore(try S3ObjectStore(settings: settings, secretAccessKey: moto.secret(), http: http), policy: Self.fastRetries, logger: Self.quiet)
                return try await body(store, direct, proxy)
            }
        }
    }

    @Test("responses dropped after the server acted are retried; the put and get succeed")
    func droppedConnections() async throws {
        try await withFaultyS3({ $0 < 2 ? .dropResponse : .pass }) { store, direct, _ in
            let bytes = Array(repeating: UInt8(42), count: 100_000)
            try await store.put(bytes, at: "data/a")
            #expect(store.retryCount == 2)
            #expect(try await direct.get("data/a") == bytes)
            #expect(try await store.get("data/a") == bytes)
        }
    }

    @Test("a truncated body is detected and read again")
    func truncatedBody() async throws {
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
        try await withFaultyS3({ $0 == 0 ? .truncateResponse(afterBytes: 2_000) : .pass }) { store, direct, _ in
            try await direct.put(bytes, at: "data/b")
            #expect(try await store.get("data/b") == bytes)
            #expect(store.retryCount >= 1)
        }
    }

    @Test("a response stalled beyond the read timeout is retried")
    func stalledResponse() async throws {
        try await withFaultyS3(readTimeoutSeconds: 1, { $0 == 0 ? .delay(.seconds(3)) : .pass }) { store, direct, _ in
            try await direct.put([1, 2, 3], at: "data/c")
            #expect(try await store.get("data/c") == [1, 2, 3])
            #expect(store.retryCount == 1)
        }
    }

    @Test("a fault that persists fails as storage-unavailable after the last attempt")
    func persistentFault() async throws {
        try await withFaultyS3({ _ in .dropResponse }) { store, direct, _ in
            let error = await #expect(throws: StorageError.self) { try await store.put([1], at: "data/d") }
            #expect(error?.kind == .unavailable)
            #expect(error?.category == .unavailable)
            #expect(store.retryCount == 3)
            // Each attempt reached the server; the object is whole or absent, never partial.
            let size = try await direct.size(of: "data/d")
            #expect(size == nil || size == 1)
        }
    }

    @Test("refusals that will not change are not retried")
    func noRetryOn4xx() async throws {
        try await withMotoServer { moto in
            try await withS3HTTPClient { http in
                var settings = moto.settings()
                settings.bucket = "missing-bucket"
                let store = RetryingObjectStore(try S3ObjectStore(settings: settings, secretAccessKey: moto.secret(), http: http), policy: Self.fastRetries, logger: Self.quiet)
                let error = await #expect(throws: StorageError.self) { try await store.put([1], at: "config") }
                #expect(error?.kind == .bucketNotFound)
                #expect(store.retryCount == 0)
            }
        }
    }

    @Test("the Nth call failing with a 5xx-like error is retried (fault wrapper on the real store)")
    func nthCall() async throws {
        try await withMotoServer { moto in
            try await withS3HTTPClient { http in
                let faulty = FaultyObjectStore(base: try moto.store(http: http))
                    .failing(.put, call: 2, with: StorageError(.unavailable, "simulated 503 SlowDown", httpStatus: 503))
                let store = RetryingObjectStore(faulty, policy: Self.fastRetries, logger: Self.quiet)
                for index in 0..<3 { try await store.put([UInt8(index)], at: "data/\(index)") }
                #expect(store.retryCount == 1)
                #expect(try await store.list(prefix: "data/").count == 3)
            }
        }
    }

    @Test("backoff grows exponentially with full jitter and is capped")
    func backoff() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(1), random: { 0.5 })
        #expect(policy.delay(afterAttempt: 1) == .milliseconds(50))
        #expect(policy.delay(afterAttempt: 2) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 3) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 10) == .milliseconds(500))
    }
}
