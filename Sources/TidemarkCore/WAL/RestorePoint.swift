package import Foundation

/// The moment a point-in-time restore recovers to: a time, or as late as the archive goes.
/// Written as `latest` or an ISO 8601 time with a UTC offset (`2026-12-01T10:42:00Z`,
/// fractions of a second allowed).
package enum RestorePoint: Sendable, Equatable, Codable, CustomStringConvertible {
    case latest
    case time(Date)

    /// Parses `latest` or an ISO 8601 time.
    /// - Throws: `TidemarkError` `invalid-time`.
    package init(parsing text: String) throws {
        if text == "latest" {
            self = .latest
            return
        }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) {
                self = .time(date)
                return
            }
        }
        throw TidemarkError(
            code: "invalid-time", message: "'\(text)' is neither 'latest' nor an ISO 8601 time",
            hint: "Write e.g. --at 2026-12-01T10:42:00Z (a UTC offset is required) or --at latest.", category: .invalidInput
        )
    }

    /// The target time; nil for `latest`.
    package var date: Date? {
        if case .time(let date) = self { return date }
        return nil
    }

    package var description: String {
        switch self {
        case .latest: return "latest"
        case .time(let date):
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: date)
        }
    }

    package init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
