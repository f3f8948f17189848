package import Foundation

/// Durations as retention's `--within` writes them: `2d`, `36h`, `1w`, `1d12h`, `90min`, `30s`.
///
/// `m` is refused because restic reads it as months and others as minutes; `min` is minutes.
package enum RetentionDuration {
    private static let units: [(suffix: String, seconds: TimeInterval)] = [("w", 604_800), ("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)]

    /// Seconds in `text`.
    /// - Throws: `TidemarkError` `invalid-policy`, naming the part that is wrong.
    package static func parse(_ text: String) throws -> TimeInterval {
        func invalid(_ detail: String) -> TidemarkError {
            TidemarkError(
                code: "invalid-policy", message: "'\(text)' is not a duration: \(detail)",
                hint: "Write a number and a unit, several in a row if needed: 2d, 36h, 1w, 1d12h, 90min (w, d, h, min, s).",
                category: .invalidInput
            )
        }
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { throw invalid("it is empty") }
        if rest == "0" { return 0 }
        var total: TimeInterval = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 6, let number = Double(digits) else { throw invalid("expected a number at '\(rest)'") }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            if unit == "m" { throw invalid("'m' is ambiguous (minutes or months)") }
            guard let seconds = units.first(where: { $0.suffix == unit.lowercased() })?.seconds else {
                throw invalid(unit.isEmpty ? "'\(digits)' has no unit" : "unknown unit '\(unit)'")
            }
            total += number * seconds
        }
        return total
    }

    /// The shortest text for `seconds`, e.g. `1d`, `1d12h`, `90min`.
    package static func text(_ seconds: TimeInterval) -> String {
        var rest = Int64(seconds.rounded())
        guard rest > 0 else { return "0" }
        var parts: [String] = []
        for (suffix, size) in units where suffix != "w" {
            let count = rest / Int64(size)
            if count > 0 { parts.append("\(count)\(suffix)") }
            rest -= count * Int64(size)
        }
        return parts.joined()
    }
}
