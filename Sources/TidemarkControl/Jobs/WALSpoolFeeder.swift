import Foundation
import TidemarkCore
import TidemarkRepository

/// Fetches the archived WAL of a point-in-time restore into its ``WALSpool`` ahead of the
/// server: history files first, then up to `lookahead` segments from the one the server asked
/// for last, `parallel` at a time; segments behind it are deleted. A fetch that still fails
/// after the store's retries marks the spool failed, so `wal-fetch` aborts recovery.
struct WALSpoolFeeder: Sendable {
    let spool: WALSpool
    let files: [ArchivedWAL]
    let repository: Repository
    var lookahead = 8
    var parallel = 4

    /// Runs until cancelled or until a file cannot be fetched.
    func run() async {
        let names = files.map(\.name.description)
        let segments = files.enumerated().filter { $0.element.name.segmentNumber != nil }.map(\.offset)
        do {
            for file in files where file.name.segmentNumber == nil {
                try spool.deliver(file.name.description, contents: try await repository.fetchWAL(file))
            }
            while !Task.isCancelled {
                let wanted = spool.wanted().flatMap { names.firstIndex(of: $0) } ?? segments.first ?? 0
                for index in segments where index < wanted {
                    try? FileManager.default.removeItem(atPath: spool.path(of: names[index]))
                }
                let missing = segments.filter { $0 >= wanted }.prefix(lookahead).filter { !FileManager.default.fileExists(atPath: spool.path(of: names[$0])) }
                if missing.isEmpty {
                    try await Task.sleep(for: .milliseconds(20))
                    continue
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in missing.prefix(parallel) {
                        let file = files[index]
                        group.addTask {
                            try spool.deliver(file.name.description, contents: try await repository.fetchWAL(file))
                        }
                    }
                    try await group.waitForAll()
                }
            }
        } catch is CancellationError {
            return
        } catch {
            spool.fail(ErrorInfo(error).message)
        }
    }
}
