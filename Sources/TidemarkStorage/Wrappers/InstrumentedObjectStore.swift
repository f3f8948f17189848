package import TidemarkCore

/// Reports every failed call of another store to `onError` (the `/metrics` counter of storage
/// errors by code), then rethrows it. A missing object is an answer, not a fault, so
/// `object-not-found` is not reported.
///
/// Wrapped inside `RetryingObjectStore`, so each failed attempt counts, including those a
/// retry then hid.
package struct InstrumentedObjectStore: ObjectStore {
    package let base: any ObjectStore
    let onError: @Sendable (any Error) -> Void

    package init(_ base: any ObjectStore, onError: @escaping @Sendable (any Error) -> Void) {
        self.base = base
        self.onError = onError
    }

    package var location: String { base.location }

    package func put(_ bytes: [UInt8], at key: String) async throws {
        try await reporting { try await base.put(bytes, at: key) }
    }

    package func get(_ key: String) async throws -> [UInt8] {
        try await reporting { try await base.get(key) }
    }

    package func get(_ key: String, range: Range<Int64>) async throws -> [UInt8] {
        try await reporting { try await base.get(key, range: range) }
    }

    package func size(of key: String) async throws -> Int64? {
        try await reporting { try await base.size(of: key) }
    }

    package func delete(_ key: String) async throws {
        try await reporting { try await base.delete(key) }
    }

    package func delete(keys: [String]) async throws {
        try await reporting { try await base.delete(keys: keys) }
    }

    package func list(prefix: String) async throws -> [ObjectInfo] {
        try await reporting { try await base.list(prefix: prefix) }
    }

    private func reporting<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch {
            if (error as? StorageError)?.kind != .notFound && !(error is CancellationError) { onError(error) }
            throw error
        }
    }
}
