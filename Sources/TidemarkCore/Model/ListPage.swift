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

    /// The form handed to API clients (`nextCursor`): `<seconds since 1970>~<id>`, e.g.
    /// `1790003600.5~3f9a0c1b7e2d`. Plain rather than opaque, so the OpenAPI document can state
    /// exactly which strings are cursors (``pattern``) and every such string is one.
    package var token: String {
        // Double's description round-trips exactly, so the boundary row compares equal again.
        "\(Self.decimal(time.timeIntervalSince1970))~\(id)"
    }

    /// Every string matching this is a cursor `init(token:)` reads.
    package static let pattern = "^[0-9]{1,12}(\\.[0-9]{1,20})?~[A-Za-z0-9_-]{1,64}$"

    /// Parses a token; nil when it is not one. Tokens of earlier releases (base64url of
    /// `seconds|id`) are read too.
    package init?(token: String) {
        if let tilde = token.firstIndex(of: "~") {
            let number = token[..<tilde]
            let id = token[token.index(after: tilde)...]
            guard Self.isDecimal(number), let seconds = Double(number), seconds.isFinite,
                (1...64).contains(id.count), id.unicodeScalars.allSatisfy(Self.isIdentifierCharacter)
            else { return nil }
            self.init(time: Date(timeIntervalSince1970: seconds), id: String(id))
            return
        }
        guard let bytes = Base64URL.decode(token), let text = String(validating: bytes, as: UTF8.self),
            let bar = text.firstIndex(of: "|"), let seconds = Double(text[..<bar]), seconds.isFinite
        else { return nil }
        let id = String(text[text.index(after: bar)...])
        guard !id.isEmpty else { return nil }
        self.init(time: Date(timeIntervalSince1970: seconds), id: id)
    }

    /// `seconds` in plain decimal digits (no exponent), exact for any time a catalog holds.
    private static func decimal(_ seconds: Double) -> String {
        let text = "\(seconds)"
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    private static func isDecimal(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), (1...12).contains(parts[0].count), parts.count == 1 || (1...20).contains(parts[1].count) else { return false }
        return parts.allSatisfy { $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }

    private static func isIdentifierCharacter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar == "-"
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
