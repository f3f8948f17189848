import TidemarkCore

extension ControlPlane {
    /// Largest page the API hands out.
    package static let maxPageSize = 500

    /// One page of backups matching `filter`, newest first.
    /// - Parameters:
    ///   - limit: page size, 1 through ``maxPageSize``.
    ///   - after: the `next` cursor of the previous page.
    /// - Throws: `database-not-registered` for an unknown database filter.
    func backupPage(matching filter: BackupFilter, limit: Int, after: ListCursor?) async throws -> ListPage<BackupRecord> {
        if let database = filter.database { _ = try await catalog.requireDatabase(named: database) }
        return try await Self.page(limit: limit, cursor: { ListCursor(time: $0.startedAt, id: $0.id) }) {
            try await catalog.backups(matching: filter, limit: $0, after: after)
        }
    }

    /// One page of operations, newest first, optionally only those with `status`.
    func operationPage(status: OperationStatus?, limit: Int, after: ListCursor?) async throws -> ListPage<OperationRecord> {
        try await Self.page(limit: limit, cursor: { ListCursor(time: $0.createdAt, id: $0.id) }) {
            try await catalog.operations(status: status, limit: $0, after: after)
        }
    }

    /// Fetches one row more than the page holds: it tells whether another page follows
    /// without a count query.
    private static func page<Item>(
        limit: Int,
        cursor: (Item) -> ListCursor,
        fetch: (_ rows: Int) async throws -> [Item]
    ) async throws -> ListPage<Item> {
        let size = min(max(1, limit), maxPageSize)
        var items = try await fetch(size + 1)
        let hasMore = items.count > size
        if hasMore { items.removeLast() }
        return ListPage(items: items, next: hasMore ? items.last.map(cursor) : nil)
    }
}
