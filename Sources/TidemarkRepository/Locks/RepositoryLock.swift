package import Foundation
import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// A `locks/<id>` object (docs/FORMAT.md, "Locks").
///
/// Backups hold shared locks; garbage collection holds an exclusive one, so it never deletes
/// a pack that a running backup has deduplicated against. A holder rewrites its lock every
/// `refreshInterval`; a lock not refreshed for `staleAfter`, or held by a dead process on this
/// host, is stale and ignored, so a crashed process never blocks work forever.
package struct LockObject: Sendable, Codable, Equatable {
    package var exclusive: Bool
    package var host: String
    package var pid: Int32
    package var purpose: String
    package var createdAt: Date
    package var refreshedAt: Date

    package init(exclusive: Bool, host: String, pid: Int32, purpose: String, createdAt: Date, refreshedAt: Date) {
        self.exclusive = exclusive
        self.host = host
        self.pid = pid
        self.purpose = purpose
        self.createdAt = createdAt
        self.refreshedAt = refreshedAt
    }
}

/// Timing of repository locks.
package struct LockTiming: Sendable {
    package var refreshInterval: Duration
    package var staleAfter: TimeInterval

    package init(refreshInterval: Duration = .seconds(300), staleAfter: TimeInterval = 1800) {
        self.refreshInterval = refreshInterval
        self.staleAfter = staleAfter
    }
}

extension Repository {
    /// Runs `body` holding a shared or exclusive repository lock.
    /// - Throws: `RepositoryError` `repository-locked` naming the holder when a conflicting
    ///   live lock exists.
    package func withLock<T: Sendable>(
        exclusive: Bool,
        purpose: String,
        timing: LockTiming = LockTiming(),
        _ body: () async throws -> T
    ) async throws -> T {
        let started = now()
        let lock = LockObject(
            exclusive: exclusive,
            host: ProcessInfo.processInfo.hostName,
            pid: ProcessInfo.processInfo.processIdentifier,
            purpose: purpose,
            createdAt: started,
            refreshedAt: started
        )
        let key = RepositoryLayout.lockKey(Identifier.make() + Identifier.make())
        try await store.put(try JSONCoding.encode(lock), at: key)
        let outcome: Result<T, any Error>
        do {
            if let holder = try await conflictingLock(for: lock, ownKey: key, timing: timing) {
                throw RepositoryError(
                    .repositoryLocked,
                    "the repository in \(store.location) is locked by \(holder.purpose) (\(holder.exclusive ? "exclusive" : "shared"), host \(holder.host), pid \(holder.pid), since \(holder.createdAt.formatted(.iso8601)))",
                    hint: "Wait for it to finish and try again; a lock not refreshed for \(Int(timing.staleAfter / 60)) minutes is ignored."
                )
            }
            let store = self.store
            let now = self.now
            let initial = lock
            outcome = .success(try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    var refreshed = initial
                    while !Task.isCancelled {
                        try await Task.sleep(for: timing.refreshInterval)
                        refreshed.refreshedAt = now()
                        try await store.put(try JSONCoding.encode(refreshed), at: key)
                    }
                    return nil
                }
                let value = try await body()
                group.cancelAll()
                return value
            })
        } catch {
            outcome = .failure(error)
        }
        await release(key)
        return try outcome.get()
    }

    /// Deletes our lock object, also when the work failed or was cancelled (graceful shutdown,
    /// `op cancel`): a cancelled task would abandon the delete at its first await and leave
    /// the lock for others to wait out. When the storage itself is gone the lock stays; others
    /// then treat it as stale (dead pid on this host, or no refresh for 30 minutes).
    private func release(_ key: String) async {
        let store = self.store
        // Unstructured on purpose: a detached task does not inherit the caller's cancellation,
        // and it is awaited right here, so it never outlives this call.
        await Task.detached { try? await store.delete(key) }.value
    }

    private func conflictingLock(for mine: LockObject, ownKey: String, timing: LockTiming) async throws -> LockObject? {
        for info in try await store.list(prefix: RepositoryLayout.locksPrefix) where info.key != ownKey {
            guard let bytes = try? await store.get(info.key),
                let other = try? JSONCoding.decode(LockObject.self, from: bytes, what: info.key)
            else { continue }
            guard mine.exclusive || other.exclusive else { continue }
            if isStale(other, timing: timing) { continue }
            return other
        }
        return nil
    }

    private func isStale(_ lock: LockObject, timing: LockTiming) -> Bool {
        if now().timeIntervalSince(lock.refreshedAt) > timing.staleAfter { return true }
        if lock.host == ProcessInfo.processInfo.hostName {
            // Signal 0 checks existence only; ESRCH means the holder died without removing its lock.
            if kill(lock.pid, 0) != 0 && errno == ESRCH { return true }
        }
        return false
    }
}
