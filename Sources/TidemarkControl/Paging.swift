import TidemarkCore

/// How lists are handed out a page at a time (the API's `limit` and `after`).
package enum Paging {
    /// Largest page the API hands out.
    package static let maxPageSize = 500

    /// One page of at most `limit` items (clamped to 1 through ``maxPageSize``).
    ///
    /// Fetches one row more than the page holds: it tells whether another page follows
    /// without a count query.
    /// - Parameters:
    ///   - cursor: where the next page starts after an item.
    ///   - fetch: reads up to that many rows after the caller's cursor.
    static func page<Item>(
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
