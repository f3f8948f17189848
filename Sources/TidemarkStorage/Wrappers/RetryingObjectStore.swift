package import Logging
import Synchronization
package import TidemarkCore

/// Retries the calls of another store when they fail transiently, with `RetryPolicy`'s
/// backoff; failures that will not change (4xx, not found, denied) pass through at once.
///
/// Every call the repository makes is idempotent (puts of content-addressed objects, deletes
/// of missing keys succeed), so retrying a whole call is safe.
package final class RetryingObjectStore: ObjectStore {
    package let base: any ObjectStore
    let policy: RetryPolicy
    let logger: Logger
    private let retries = Mutex(0)
    /// Failures in a row across this store's calls: one store serves one operation, so the
    /// policy's budget bounds how long an operation keeps retrying a dead endpoint.
    private let streak = FailureStreak()

    package init(_ base: any ObjectStore, policy: RetryPolicy = RetryPolicy(), logger: Logger) {
        self.base = base
        self.policy = policy
        self.logger = logger
    }

    /// How many retries this store has made so far.
    package var retryCount: Int { retries.withLock { $0 } }

    package var location: String { base.location }

    package func put(_ bytes: [UInt8], at key: String) async throws {
        try await retrying("put \(key)") { try await base.put(bytes, at: key) }
    }

    package func get(_ key: String) async throws -> [UInt8] {
        try await retrying("get \(key)") { try await base.get(key) }
    }

    package func get(_ key: String, range: Range<Int64>) async throws -> [UInt8] {
        try await retrying("get \(key) \(range)") { try await base.get(key, range: range) }
    }

    package func size(of key: String) async throws -> Int64? {
        try await retrying("size \(key)") { try await base.size(of: key) }
    }

    package func delete(_ key: String) async throws {
        try await retrying("delete \(key)") { try await base.delete(key) }
    }

    package func delete(keys: [String]) async throws {
        try await retrying("delete \(keys.count) objects") { try await base.delete(keys: keys) }
    }

    package func list(prefix: String) async throws -> [ObjectInfo] {
        try await retrying("list \(prefix)") { try await base.list(prefix: prefix) }
    }

    private func retrying<T>(_ description: String, _ body: () async throws -> T) async throws -> T {
        try await policy.run(description, logger: logger, streak: streak, onRetry: { _, _ in retries.withLock { $0 += 1 } }, body)
    }
}
