import Synchronization
package import TidemarkCore

/// Wraps a real store and makes chosen calls fail (kopia's `FaultyStorage`).
///
/// Example: `FaultyObjectStore(base: local).failing(.put, matching: "snapshots/", with: fault)`
/// makes every manifest write fail, as a crash between upload and manifest would.
package final class FaultyObjectStore: ObjectStore {
    package enum Operation: Sendable {
        case put, get, size, delete, list
    }

    private struct Rule: Sendable {
        var operation: Operation
        var keyPrefix: String
        var error: any UserFacingError
        /// Fail only the nth matching call (1-based); nil fails every matching call.
        var call: Int?
        var seen = 0
    }

    private let base: any ObjectStore
    private let rules = Mutex<[Rule]>([])

    package init(base: any ObjectStore) {
        self.base = base
    }

    package var location: String { base.location }

    /// Makes `operation` on keys starting with `keyPrefix` fail with `error` (only the
    /// `call`th such call when given).
    @discardableResult
    package func failing(_ operation: Operation, matching keyPrefix: String = "", call: Int? = nil, with error: any UserFacingError) -> FaultyObjectStore {
        rules.withLock { $0.append(Rule(operation: operation, keyPrefix: keyPrefix, error: error, call: call)) }
        return self
    }

    private func check(_ operation: Operation, _ key: String) throws {
        let failure: (any UserFacingError)? = rules.withLock { rules in
            for index in rules.indices where rules[index].operation == operation && key.hasPrefix(rules[index].keyPrefix) {
                rules[index].seen += 1
                if rules[index].call == nil || rules[index].call == rules[index].seen { return rules[index].error }
            }
            return nil
        }
        if let failure { throw failure }
    }

    package func put(_ bytes: [UInt8], at key: String) async throws {
        try check(.put, key)
        try await base.put(bytes, at: key)
    }

    package func get(_ key: String) async throws -> [UInt8] {
        try check(.get, key)
        return try await base.get(key)
    }

    package func get(_ key: String, range: Range<Int64>) async throws -> [UInt8] {
        try check(.get, key)
        return try await base.get(key, range: range)
    }

    package func size(of key: String) async throws -> Int64? {
        try check(.size, key)
        return try await base.size(of: key)
    }

    package func delete(_ key: String) async throws {
        try check(.delete, key)
        try await base.delete(key)
    }

    package func list(prefix: String) async throws -> [ObjectInfo] {
        try check(.list, prefix)
        return try await base.list(prefix: prefix)
    }
}
