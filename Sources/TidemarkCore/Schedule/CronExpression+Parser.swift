import Foundation

extension CronExpression {
    /// The six fields in order, with their names and value ranges.
    static let fields: [(name: String, range: ClosedRange<Int>)] = [
        ("seconds", 0...59), ("minutes", 0...59), ("hours", 0...23),
        ("day-of-month", 1...31), ("month", 1...12), ("day-of-week", 0...7),
    ]

    private static let macros: [String: String] = [
        "@yearly": "0 0 0 1 1 *", "@annually": "0 0 0 1 1 *", "@monthly": "0 0 0 1 * *",
        "@weekly": "0 0 0 * * SUN", "@daily": "0 0 0 * * *", "@midnight": "0 0 0 * * *", "@hourly": "0 0 * * * *",
    ]
    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
    private static let fieldHint =
        "A schedule has six fields: seconds minutes hours day-of-month month day-of-week, e.g. '0 30 2 * * *' for 02:30 UTC every day; prefix 'TZ=Europe/Berlin ' for another zone, or use @hourly, @daily or @weekly."

    /// Parses `text`.
    /// - Throws: `CronError` naming the field (`cron field 1 (seconds): 61 is out of range 0-59`)
    ///   and the character position.
    package init(parsing text: String) throws {
        var rest = Substring(text)
        var offset = 0
        func skipSpaces() {
            while let first = rest.first, first == " " || first == "\t" {
                rest.removeFirst()
                offset += 1
            }
        }
        skipSpaces()
        var zone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? TimeZone.current
        if rest.hasPrefix("TZ=") || rest.hasPrefix("CRON_TZ=") {
            let token = rest.prefix { $0 != " " && $0 != "\t" }
            let name = String(token.drop { $0 != "=" }.dropFirst())
            guard let named = TimeZone(identifier: name) else {
                throw CronError(
                    field: nil, position: offset + 1,
                    message: "cron time zone '\(name)' is unknown",
                    hint: "Use an IANA zone name such as 'TZ=Europe/Berlin' or 'TZ=America/New_York'."
                )
            }
            zone = named
            rest = rest.dropFirst(token.count)
            offset += token.count
            skipSpaces()
        }
        var body = String(rest)
        while body.last == " " || body.last == "\t" { body.removeLast() }
        if body.hasPrefix("@") {
            guard let expanded = Self.macros[body.lowercased()] else {
                throw CronError(field: nil, position: offset + 1, message: "cron shortcut '\(body)' is unknown", hint: "Use @hourly, @daily, @weekly, @monthly or @yearly.")
            }
            self = try CronExpression(fieldsOf: expanded, offset: 0, text: text, zone: zone)
            return
        }
        self = try CronExpression(fieldsOf: body, offset: offset, text: text, zone: zone)
    }

    private init(fieldsOf body: String, offset: Int, text: String, zone: TimeZone) throws {
        var tokens: [(text: Substring, position: Int)] = []
        var index = body.startIndex
        var column = offset + 1
        while index < body.endIndex {
            if body[index] == " " || body[index] == "\t" {
                index = body.index(after: index)
                column += 1
                continue
            }
            let start = index
            let startColumn = column
            while index < body.endIndex, body[index] != " ", body[index] != "\t" {
                index = body.index(after: index)
                column += 1
            }
            tokens.append((body[start..<index], startColumn))
        }
        guard tokens.count == 6 else {
            throw CronError(
                field: nil, position: offset + 1,
                message: "cron expression '\(text)' has \(tokens.count) field\(tokens.count == 1 ? "" : "s"), expected 6",
                hint: Self.fieldHint
            )
        }
        var masks: [UInt64] = []
        var restricted: [Bool] = []
        for (number, token) in tokens.enumerated() {
            let parsed = try Self.parseField(token.text, number: number + 1, position: token.position)
            masks.append(parsed.mask)
            restricted.append(parsed.isRestricted)
        }
        // Day-of-week 7 is Sunday, like 0.
        var daysOfWeek = masks[5]
        if daysOfWeek & (1 << 7) != 0 { daysOfWeek = (daysOfWeek | 1) & ~(1 << 7) }
        self.text = text
        self.zone = zone
        seconds = masks[0]
        minutes = masks[1]
        hours = masks[2]
        daysOfMonth = masks[3]
        months = masks[4]
        self.daysOfWeek = daysOfWeek
        isDayOfMonthRestricted = restricted[3]
        isDayOfWeekRestricted = restricted[5]
        // `0 0 0 30 FEB *` parses field by field but never runs; say so now, not at midnight.
        if nextRun(after: Date(timeIntervalSince1970: 0)) == nil {
            throw CronError(field: 4, position: tokens[3].position, message: "cron expression '\(text)' never matches a date", hint: "Check the day-of-month against the month (e.g. February has no 30th).")
        }
    }

    private static func parseField(_ token: Substring, number: Int, position: Int) throws -> (mask: UInt64, isRestricted: Bool) {
        let (name, range) = fields[number - 1]
        func failure(_ what: String, at column: Int) -> CronError {
            CronError(field: number, position: column, message: "cron field \(number) (\(name)): \(what)", hint: fieldHint)
        }
        var mask: UInt64 = 0
        var isRestricted = true
        var column = position
        for item in token.split(separator: ",", omittingEmptySubsequences: false) {
            defer { column += item.count + 1 }
            guard !item.isEmpty else { throw failure("empty list item", at: column) }
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            var step = 1
            if parts.count == 2 {
                guard let value = Self.number(parts[1]), value > 0 else {
                    throw failure("step '\(parts[1])' must be a positive number", at: column + parts[0].count + 1)
                }
                step = value
            }
            let base = parts[0]
            var low: Int
            var high: Int
            if base == "*" || base == "?" {
                if base == "?" && number != 4 && number != 6 {
                    throw failure("'?' is allowed only in day-of-month and day-of-week", at: column)
                }
                low = range.lowerBound
                high = number == 6 ? 6 : range.upperBound
                if step == 1 { isRestricted = false }
            } else {
                let bounds = base.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                low = try value(bounds[0], number: number, at: column, failure: failure)
                if bounds.count == 2 {
                    high = try value(bounds[1], number: number, at: column + bounds[0].count + 1, failure: failure)
                    guard low <= high else { throw failure("range \(base) runs backwards", at: column) }
                } else {
                    high = parts.count == 2 ? range.upperBound : low
                }
            }
            for value in stride(from: low, through: high, by: step) { mask |= 1 << UInt64(value) }
        }
        return (mask, isRestricted)
    }

    /// `text` as a number when it is only decimal digits: `Int("+1")` and `Int("-0")` would
    /// accept signs that no cron implementation allows.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    private static func value(_ text: Substring, number: Int, at column: Int, failure: (String, Int) -> CronError) throws -> Int {
        let range = fields[number - 1].range
        if let value = Self.number(text) {
            guard range.contains(value) else { throw failure("\(value) is out of range \(range.lowerBound)-\(range.upperBound)", column) }
            return value
        }
        let upper = text.uppercased()
        if number == 5, let index = monthNames.firstIndex(of: upper) { return index + 1 }
        if number == 6, let index = dayNames.firstIndex(of: upper) { return index }
        if text.isEmpty { throw failure("a value is missing", column) }
        let names = number == 5 ? " (or JAN-DEC)" : number == 6 ? " (or SUN-SAT)" : ""
        throw failure("'\(text)' is not a number in \(range.lowerBound)-\(range.upperBound)\(names)", column)
    }
}
