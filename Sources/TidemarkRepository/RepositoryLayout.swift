/// Object keys of the repository layout (docs/FORMAT.md, "Layout").
package enum RepositoryLayout {
    package static let config = "config"
    package static let keysPrefix = "keys/"
    package static let dataPrefix = "data/"
    package static let indexPrefix = "index/"
    package static let snapshotsPrefix = "snapshots/"
    package static let locksPrefix = "locks/"
    package static let walPrefix = "wal/"
    package static let testsPrefix = "tests/"

    /// Where the WAL of archive namespace `namespace` lives: `wal/<namespace>/`.
    package static func walPrefix(namespace: String) -> String { "wal/\(namespace)/" }

    package static func packKey(_ id: String) -> String { "data/\(id.prefix(2))/\(id)" }
    package static func indexKey(_ id: String) -> String { "index/\(id)" }
    package static func snapshotKey(_ id: String) -> String { "snapshots/\(id)" }
    package static func keyKey(_ id: String) -> String { "keys/\(id)" }
    package static func lockKey(_ id: String) -> String { "locks/\(id)" }
    /// The last restore test of backup `id`.
    package static func testKey(_ id: String) -> String { "tests/\(id)" }

    /// The pack id from a `data/xx/<id>` key.
    package static func packID(fromKey key: String) -> String {
        String(key.split(separator: "/").last ?? "")
    }
}
