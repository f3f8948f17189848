import Foundation
import Logging
import Synchronization
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkStorage
import TidemarkTesting

/// Issue 14, item 8: a dead endpoint fails fast (a refused connection is not a connect timeout)
/// and an operation's retries are bounded by one budget, not multiplied by its calls.
@Suite struct RetryBudgetTests {
    /// A monotonic clock that only moves when the policy sleeps.
    final class SimulatedClock: Sendable {
        private let start = ContinuousClock.now
        private let elapsed = Mutex(Duration.zero)
        var now: ContinuousClock.Instant { start.advanced(by: elapsed.withLock { $0 }) }
        var total: Duration { elapsed.withLock { $0 } }
        func sleep(_ duration: Duration) { elapsed.withLock { $0 += duration } }
    }

    static let quiet = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    @Test("failures back to back stop retrying after the budget, across calls; a success starts a new budget")
    func budgetAcrossCalls() async throws {
        try await withTemporaryDirectory { directory in
            let local = LocalDirectoryObjectStore(root: directory)
            try local.prepare()
            try await local.put([1], at: "snapshots/ok")
            let faulty = FaultyObjectStore(base: local).failing(
                .put, matching: "data/", with: StorageError(.endpointUnreachable, "cannot connect to 127.0.0.1:9")
            )
            let clock = SimulatedClock()
            let policy = RetryPolicy(budget: .seconds(30), sleep: { clock.sleep($0) }, random: { 0.999 }, now: { clock.now })
            let store = RetryingObjectStore(faulty, policy: policy, logger: Self.quiet)
            for call in 0..<20 {
                let error = await #expect(throws: StorageError.self) { try await store.put([2], at: "data/ab/\(call)") }
                #expect(error?.code == "endpoint-unreachable")
            }
            // 6 tries per call would wait about 6 s per call, 2 minutes for 20 calls.
            #expect(clock.total <= .seconds(30), "waited \(clock.total)")
            let retriesWhileDead = store.retryCount
            try await store.put([3], at: "locks/x")
            #expect(try await store.get("snapshots/ok") == [1])
            await #expect(throws: StorageError.self) { try await store.put([2], at: "data/ab/again") }
            #expect(store.retryCount > retriesWhileDead, "a success must start a new budget")
        }
    }

    @Test("a refused connection fails within the budget instead of waiting the connect timeout per try")
    func refusedConnectionFailsFast() async throws {
        let port = try FreePort.loopback()
        // A long connect timeout: waiting it out even once (the pool's own connection retries,
        // before) would take far longer than the bound below, which stays loose because the whole
        // suite shares this process's threads (the retry waits can be starved for many seconds).
        try await withS3HTTPClient(S3HTTPClient(connectTimeoutSeconds: 600)) { http in
            let settings = S3StorageSettings(endpoint: "http://127.0.0.1:\(port)", bucket: "dead", prefix: "", region: "us-east-1", pathStyle: true, accessKeyID: "AKIA")
            let s3 = try S3ObjectStore(settings: settings, secretAccessKey: Secret("secret"), http: http, logger: Self.quiet)
            let store = RetryingObjectStore(s3, policy: RetryPolicy(budget: .seconds(2)), logger: Self.quiet)
            let started = ContinuousClock.now
            let error = await #expect(throws: StorageError.self) { try await store.put([1], at: "data/ab/x") }
            let took = ContinuousClock.now - started
            #expect(error?.code == "endpoint-unreachable", "\(String(describing: error))")
            #expect(took < .seconds(120), "took \(took)")
            #expect(store.retryCount >= 1)
        }
    }
}
