/// Metadata of one stored object.
package struct ObjectInfo: Sendable, Equatable {
    package var key: String
    package var size: Int64

    package init(key: String, size: Int64) {
        self.key = key
        self.size = size
    }
}

/// A flat key/value store of immutable objects: a local directory or an S3 bucket prefix.
///
/// Contract, checked by `ObjectStoreConformanceTests` for every implementation:
/// - `put` is atomic: a reader sees either no object or the whole object, never a prefix.
/// - `put` of an existing key replaces it (the repository never does this except for locks).
/// - `get`, `get(_:range:)` and `size(of:)` of a missing key throw an error whose
///   `category` is `.notFound`.
/// - `delete` of a missing key succeeds, so a retried delete is harmless.
/// - `list(prefix:)` returns every object written before the call, sorted by key.
/// - Keys are `/`-separated relative paths of `[a-z0-9._-]` segments; implementations refuse
///   anything that could escape their root.
package protocol ObjectStore: Sendable {
    /// Stores `bytes` under `key`, atomically.
    func put(_ bytes: [UInt8], at key: String) async throws
    /// The whole object stored under `key`.
    func get(_ key: String) async throws -> [UInt8]
    /// The bytes `range` of the object stored under `key`.
    func get(_ key: String, range: Range<Int64>) async throws -> [UInt8]
    /// The size of the object under `key`, or nil when there is none.
    func size(of key: String) async throws -> Int64?
    /// Removes the object under `key`; succeeds when it does not exist.
    func delete(_ key: String) async throws
    /// Removes many objects; keys that do not exist are skipped. Stores with a batch call (S3
    /// DeleteObjects) override the one-by-one default.
    func delete(keys: [String]) async throws
    /// Every object whose key starts with `prefix`, sorted by key.
    func list(prefix: String) async throws -> [ObjectInfo]
    /// A description without secrets, e.g. `local:/srv/backups`.
    var location: String { get }
}

extension ObjectStore {
    package func delete(keys: [String]) async throws {
        for key in keys {
            try await delete(key)
        }
    }
}
