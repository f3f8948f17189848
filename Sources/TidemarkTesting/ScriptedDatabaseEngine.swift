package import TidemarkCore
import Synchronization

/// A database engine whose server is a script: a set of database names, a dump of given
/// bytes, and a refusal for one-table restores. For the control plane's own tests (runner,
/// preflights, jobs), which check what Tidemark records and refuses, not that PostgreSQL
/// works: the engine tests and the end-to-end tests do that against the real server.
package final class ScriptedDatabaseEngine: DatabaseEngine {
    package let kind: EngineKind
    /// PostgreSQL's, whatever `kind` says: the scripted server plays a PostgreSQL server.
    package let capabilities = EngineCapabilities(
        location: .server, physicalBackups: true, tableRestore: true, pointInTimeRecovery: true, managedInstances: true,
        defaultSchema: "public", streamFormat: "scripted", streamExtension: "pgdump"
    )
    private struct State {
        var databases: Set<String>
        var dump: [UInt8]
        var restoreRefusal: TidemarkError?
        var restored: [String: [UInt8]] = [:]
        var dumps = 0
    }
    private let state: Mutex<State>

    /// - Parameters:
    ///   - databases: the names that exist on the server.
    ///   - dump: what a dump of any database streams.
    package init(kind: EngineKind = .postgres, databases: Set<String> = [], dump: [UInt8] = Array("-- scripted dump\n".utf8)) {
        self.kind = kind
        state = Mutex(State(databases: databases, dump: dump))
    }

    /// Makes `planRestore` refuse with `error` (a table's missing foreign key).
    package func refuseRestores(with error: TidemarkError?) {
        state.withLock { $0.restoreRefusal = error }
    }

    /// The bytes restored into `database`, if it was restored.
    package func restoredBytes(of database: String) -> [UInt8]? { state.withLock { $0.restored[database] } }

    /// How many dumps ran.
    package var dumpCount: Int { state.withLock { $0.dumps } }

    /// The names on the server.
    package var databases: Set<String> { state.withLock { $0.databases } }

    package func serverVersion(of target: DatabaseTarget) async throws -> String { "15.0 (scripted)" }

    package func databaseExists(_ name: String, on target: DatabaseTarget) async throws -> Bool {
        state.withLock { $0.databases.contains(name) }
    }

    package func renameDatabase(_ name: String, to newName: String, on target: DatabaseTarget) async throws {
        try state.withLock { state in
            guard state.databases.remove(name) != nil, state.databases.insert(newName).inserted else {
                throw TidemarkError(code: "restore-failed", message: "cannot rename \(name) to \(newName)", category: .conflict)
            }
            state.restored[newName] = state.restored.removeValue(forKey: name)
        }
    }

    package func dropDatabase(_ name: String, on target: DatabaseTarget) async throws {
        _ = state.withLock { $0.databases.remove(name) }
    }

    package func dump(
        _ target: DatabaseTarget,
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ tablesDone: Int, _ tablesTotal: Int) -> Void
    ) async throws -> DumpSummary {
        let bytes = state.withLock { state in
            state.dumps += 1
            return state.dump
        }
        try await sink(bytes)
        progress(1, 1)
        let table = TableContents(schema: "public", name: "orders", bytes: Int64(bytes.count), rows: 1)
        return DumpSummary(
            serverVersion: "15.0 (scripted)", format: "scripted",
            databases: [DatabaseContents(name: target.connection.database, bytes: Int64(bytes.count), tables: [table])],
            objects: [DumpObject(id: 1, kind: "TABLE", schema: "public", name: "orders", dependencies: [])]
        )
    }

    package func planRestore(_ scope: RestoreScope, objects: [DumpObject], options: RestoreOptions) throws -> RestorePlan {
        if case .table = scope, let refusal = state.withLock({ $0.restoreRefusal }) { throw refusal }
        return RestorePlan(scope: scope, objectIDs: nil, skipped: [])
    }

    package func restore(_ plan: RestorePlan, server: DatabaseTarget, newDatabase: String, from source: () async throws -> [UInt8]?) async throws {
        try state.withLock { state in
            guard state.databases.insert(newDatabase).inserted else { throw TidemarkError(code: "restore-failed", message: "database \(newDatabase) exists", category: .conflict) }
        }
        var bytes: [UInt8] = []
        while let chunk = try await source() { bytes += chunk }
        state.withLock { $0.restored[newDatabase] = bytes }
    }
}
