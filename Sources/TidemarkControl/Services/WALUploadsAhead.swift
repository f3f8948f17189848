import Foundation
import Synchronization
import TidemarkCore
import TidemarkRepository

/// WAL files `serve` stores before PostgreSQL asks (pgBackRest's archive-async, WAL-G's
/// `TOTAL_BG_UPLOADED_LIMIT`): when `wal-push` hands over one file, the next `.ready` files of
/// the same instance are read from its `pg_wal` and uploaded in parallel, so the following
/// pushes find their file stored and only compare its tag. The archive_command contract is
/// kept: a push still answers only once its own file is durably stored.
final class WALUploadsAhead: Sendable {
    /// Files uploaded ahead at once per instance.
    static let parallel = 4

    private struct State {
        /// `namespace/name` → tag of the contents stored, for files stored ahead or pushed.
        var stored: [String: String] = [:]
        /// `namespace/name` → the file an upload ahead read, unchanged while it was read.
        var identities: [String: WALFileIdentity] = [:]
        var order: [String] = []
        /// `namespace/name` → the upload under way.
        var running: [String: Task<String, any Error>] = [:]
        /// Namespaces whose `pg_wal` history files were stored by this process.
        var historiesChecked: Set<String> = []
        /// Repositories WAL is pushed to, by `<storage>/<repository id>`.
        var repositories: [String: Repository] = [:]
    }

    private let state = Mutex(State())

    /// The tag stored for `name` by an upload ahead, waiting for one under way; nil when none.
    func storedTag(namespace: String, name: String) async -> String? {
        let key = "\(namespace)/\(name)"
        let (tag, task) = state.withLock { ($0.stored[key], $0.running[key]) }
        if let tag { return tag }
        return try? await task?.value
    }

    /// Whether an upload ahead stored file `name` from exactly the file `identity` names.
    func isStoredAhead(namespace: String, name: String, identity: WALFileIdentity) async -> Bool {
        let key = "\(namespace)/\(name)"
        if let task = state.withLock({ $0.running[key] }) { _ = try? await task.value }
        return state.withLock { $0.identities[key] == identity && $0.stored[key] != nil }
    }

    /// The repository of `storage`, opened once per process: a push must not read the
    /// repository's config and keys again (two requests each on S3) for every segment.
    func repository(for storage: StorageRecord, open: () async throws -> Repository) async throws -> Repository {
        let key = "\(storage.name)/\(storage.repositoryID)"
        if let cached = state.withLock({ $0.repositories[key] }) { return cached }
        let repository = try await open()
        state.withLock { $0.repositories[key] = repository }
        return repository
    }

    /// Forgets the opened repositories (a push failed: the next opens them again).
    func forgetRepositories() {
        state.withLock { $0.repositories = [:] }
    }

    /// Marks `namespace`'s history files as being stored; false when they already were.
    func markHistoriesChecked(namespace: String) -> Bool {
        state.withLock { $0.historiesChecked.insert(namespace).inserted }
    }

    /// Forgets that mark (storing failed; the next watch tries again).
    func clearHistoriesChecked(namespace: String) {
        state.withLock { _ = $0.historiesChecked.remove(namespace) }
    }

    /// Remembers what a push stored (bounded: the newest 1,024 files).
    func remember(namespace: String, name: String, tag: String) {
        state.withLock { state in
            let key = "\(namespace)/\(name)"
            if state.stored.updateValue(tag, forKey: key) == nil { state.order.append(key) }
            if state.order.count > 1024 {
                let gone = state.order.count - 1024
                for old in state.order.prefix(gone) {
                    state.stored[old] = nil
                    state.identities[old] = nil
                }
                state.order.removeFirst(gone)
            }
        }
    }

    /// Starts uploads of the next files `dataDirectory` has ready for archiving, after `after`.
    func uploadAhead(namespace: String, dataDirectory: String, after name: String, repository: Repository) {
        let status = "\(dataDirectory)/pg_wal/archive_status"
        let ready = ((try? FileManager.default.contentsOfDirectory(atPath: status)) ?? [])
            .filter { $0.hasSuffix(".ready") }.map { String($0.dropLast(6)) }
            .filter { $0 > name && WALFileName($0, segmentSize: 1 << 20) != nil }.sorted()
        state.withLock { state in
            var busy = state.running.keys.filter { $0.hasPrefix("\(namespace)/") }.count
            for next in ready.prefix(2 * Self.parallel) {
                guard busy < Self.parallel else { break }
                let key = "\(namespace)/\(next)"
                guard state.stored[key] == nil, state.running[key] == nil else { continue }
                busy += 1
                let path = "\(dataDirectory)/pg_wal/\(next)"
                state.running[key] = Task {
                    defer { self.finished(key) }
                    guard let (contents, before) = WALFileContents.read(path: path) else {
                        throw TidemarkError(code: "wal-unreadable", message: "cannot read \(path) unchanged", category: .storage)
                    }
                    let writtenAt = Date(timeIntervalSince1970: Double(before.modifiedNanoseconds) / 1e9)
                    let tag = repository.walTag(of: contents)
                    _ = try await repository.pushWAL(namespace: namespace, name: next, contents: contents, writtenAt: writtenAt, tag: tag)
                    self.remember(namespace: namespace, name: next, tag: tag)
                    self.state.withLock { $0.identities[key] = before }
                    return tag
                }
            }
        }
    }

    private func finished(_ key: String) {
        state.withLock { _ = $0.running.removeValue(forKey: key) }
    }
}
