package import Foundation

/// A position in a list ordered newest first by (time, id): the last item of the previous page.
///
/// Keyset pagination: the next page starts strictly after this item, so a page costs the same
/// however deep it is, and rows inserted meanwhile never shift later pages.
package struct ListCursor: Sendable, Equatable {
    package var time: Date
    package var id: String

    package init(time: Date, id: String) {
        self.time = time
        self.id = id
    }

    /// The opaque form handed to API clients (`nextCursor`).
    package var token: String {
        // Double's description round-trips exactly, so the boundary row compares equal again.
        Base64URL.encode("\(time.timeIntervalSince1970)|\(id)".utf8)
    }

    /// Parses a token made by `token`; nil when it is not one.
    package init?(token: String) {
        guard let bytes = Base64URL.decode(token), let text = String(validating: bytes, as: UTF8.self),
            let bar = text.firstIndex(of: "|"), let seconds = Double(text[..<bar]), seconds.isFinite
        else { return nil }
        let id = String(text[text.index(after: bar)...])
        guard !id.isEmpty else { return nil }
        self.init(time: Date(timeIntervalSince1970: seconds), id: id)
    }
}

/// One page of a list and where the next one starts.
package struct ListPage<Item: Sendable>: Sendable {
    package var items: [Item]
    /// nil on the last page.
    package var next: ListCursor?

    package init(items: [Item], next: ListCursor?) {
        self.items = items
        self.next = next
    }
}
