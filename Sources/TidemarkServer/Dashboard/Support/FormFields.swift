import Foundation

/// The fields of an `application/x-www-form-urlencoded` body, as browsers send forms.
package struct FormFields: Sendable {
    private var values: [String: String]

    package init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// Parses `a=1&b=x+y`; a repeated name keeps its last value.
    package init(encoded text: String) {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            values[name] = parts.count > 1 ? Self.decode(parts[1]) : ""
        }
        self.values = values
    }

    /// The value of `name`, whitespace-trimmed; nil when absent or empty.
    package subscript(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// The value of `name` exactly as sent (passwords and keys are not trimmed).
    package func raw(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the form sent a field `name` at all (possibly empty: a field the user cleared).
    package func has(_ name: String) -> Bool {
        values[name] != nil
    }

    /// A checkbox: present means ticked.
    package func isChecked(_ name: String) -> Bool {
        values[name] != nil
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
