package import Foundation
package import TidemarkCore

extension SQLiteCatalog {
    /// Operations (with their log lines) or deliveries deleted per transaction: a prune of a
    /// long history never holds the write lock for long.
    static let pruneBatch = 500

    package func pruneHistory(before cutoff: Date) async throws -> HistoryPruneCounts {
        var counts = HistoryPruneCounts()
        while true {
            let deleted: (operations: Int, lines: Int) = try connection.transaction { run in
                let ids = try run(
                    """
                    SELECT id FROM operations
                    WHERE status IN ('completed', 'failed', 'cancelled') AND finished_at IS NOT NULL AND finished_at < ?
                        AND id NOT IN (SELECT operation_id FROM backups WHERE operation_id IS NOT NULL)
                    LIMIT ?
                    """,
                    [date(cutoff), .integer(Int64(Self.pruneBatch))]
                ).compactMap { $0["id"].string }
                guard !ids.isEmpty else { return (0, 0) }
                let list = [String](repeating: "?", count: ids.count).joined(separator: ", ")
                let bindings = ids.map(SQLiteValue.text)
                _ = try run("DELETE FROM operation_logs WHERE operation_id IN (\(list))", bindings)
                let lines = Int(try run("SELECT changes() AS n", []).first?["n"].int ?? 0)
                _ = try run("DELETE FROM operations WHERE id IN (\(list))", bindings)
                return (ids.count, lines)
            }
            counts.operations += deleted.operations
            counts.logLines += deleted.lines
            if deleted.operations < Self.pruneBatch { break }
        }
        while true {
            let deleted: Int = try connection.transaction { run in
                _ = try run(
                    """
                    DELETE FROM webhook_deliveries WHERE id IN (
                        SELECT id FROM webhook_deliveries WHERE status != 'pending' AND coalesce(delivered_at, created_at) < ? LIMIT ?
                    )
                    """,
                    [date(cutoff), .integer(Int64(Self.pruneBatch))]
                )
                return Int(try run("SELECT changes() AS n", []).first?["n"].int ?? 0)
            }
            counts.deliveries += deleted
            if deleted < Self.pruneBatch { break }
        }
        return counts
    }
}
