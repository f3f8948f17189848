import Foundation

/// Just enough XML reading for S3's responses: the text of simple elements and the repeated
/// blocks of a list.
///
/// S3 response documents are flat and machine-written (no CDATA, no comments inside the
/// elements we read), so a scanner that finds `<Tag>…</Tag>` pairs is exact for them and
/// avoids depending on libxml2 through FoundationXML.
package struct S3XML: Sendable {
    package let text: String

    package init(_ bytes: [UInt8]) {
        self.text = String(decoding: bytes, as: UTF8.self)
    }

    package init(_ text: String) {
        self.text = text
    }

    /// The decoded text of the first `<tag>` element, or nil.
    package func value(_ tag: String) -> String? {
        values(tag).first
    }

    /// The decoded text of every `<tag>` element, in document order.
    package func values(_ tag: String) -> [String] {
        blocks(tag).map { Self.decodeEntities($0.text) }
    }

    /// Every `<tag>` element's inner XML, in document order, for reading its children.
    package func blocks(_ tag: String) -> [S3XML] {
        var found: [S3XML] = []
        let close = "</\(tag)>"
        var searchFrom = text.startIndex
        while let start = text.range(of: "<\(tag)", range: searchFrom..<text.endIndex) {
            let afterName = start.upperBound
            guard afterName < text.endIndex else { break }
            // `<KeyCount>` must not match a search for `<Key>`.
            guard [">", " ", "/"].contains(text[afterName]) else {
                searchFrom = afterName
                continue
            }
            guard let tagEnd = text[afterName...].firstIndex(of: ">") else { break }
            if text[text.index(before: tagEnd)] == "/" {
                found.append(S3XML(""))
                searchFrom = text.index(after: tagEnd)
                continue
            }
            let contentStart = text.index(after: tagEnd)
            guard let end = text.range(of: close, range: contentStart..<text.endIndex) else { break }
            found.append(S3XML(String(text[contentStart..<end.lowerBound])))
            searchFrom = end.upperBound
        }
        return found
    }

    /// Replaces the five predefined entities and numeric character references.
    package static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";") else {
                result += rest[amp...]
                return result
            }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let code = UInt32(entity.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(code) {
                    result.unicodeScalars.append(scalar)
                } else if entity.hasPrefix("#"), let code = UInt32(entity.dropFirst()), let scalar = Unicode.Scalar(code) {
                    result.unicodeScalars.append(scalar)
                } else {
                    result += rest[amp...semicolon]
                }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        result += rest
        return result
    }

    /// Escapes text for an element body (keys in a DeleteObjects request).
    package static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
