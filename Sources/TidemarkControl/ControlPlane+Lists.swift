import TidemarkCore

extension ControlPlane {
    /// One page of backups matching `filter`, newest first.
    /// - Parameters:
    ///   - limit: page size, 1 through ``Paging/maxPageSize``.
    ///   - after: the `next` cursor of the previous page.
    /// - Throws: `database-not-registered` for an unknown database filter.
    func backupPage(matching filter: BackupFilter, limit: Int, after: ListCursor?) async throws -> ListPage<BackupRecord> {
        if let database = filter.database { _ = try await catalog.requireDatabase(named: database) }
        return try await Paging.page(limit: limit, cursor: { ListCursor(time: $0.startedAt, id: $0.id) }) {
            try await catalog.backups(matching: filter, limit: $0, after: after)
        }
    }
}
