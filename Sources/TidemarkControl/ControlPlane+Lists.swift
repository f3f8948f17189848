package import TidemarkCore

extension ControlPlane {
    /// Largest page the API hands out.
    package static let maxPageSize = 500

    /// One page of backups matching `filter`, newest first.
    /// - Parameters:
    ///   - limit: page size, 1 through ``maxPageSize``.
    ///   - after: the `next` cursor of the previous page.
    /// - Throws: `database-not-registered` for an unknown database filter.
    package func backupPage(matching filter: BackupFilter, limit: Int, after: ListCursor?) async throws -> ListPage<BackupRecord> {
        if let database = filter.database { _ = try await self.database(named: database) }
        let size = min(max(1, limit), Self.maxPageSize)
        // One extra row tells whether another page follows without a count query.
        var items = try await catalog.backups(matching: filter, limit: size + 1, after: after)
        let hasMore = items.count > size
        if hasMore { items.removeLast() }
        return ListPage(items: items, next: hasMore ? items.last.map { ListCursor(time: $0.startedAt, id: $0.id) } : nil)
    }

    /// One page of operations, newest first, optionally only those with `status`.
    package func operationPage(status: OperationStatus?, limit: Int, after: ListCursor?) async throws -> ListPage<OperationRecord> {
        let size = min(max(1, limit), Self.maxPageSize)
        var items = try await catalog.operations(status: status, limit: size + 1, after: after)
        let hasMore = items.count > size
        if hasMore { items.removeLast() }
        return ListPage(items: items, next: hasMore ? items.last.map { ListCursor(time: $0.createdAt, id: $0.id) } : nil)
    }
}
