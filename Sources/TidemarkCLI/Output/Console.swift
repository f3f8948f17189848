import ArgumentParser
import Foundation
import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// Everything the CLI shows people or scripts goes through here (never through the logger).
struct Console: Sendable {
    let format: OutputFormat

    /// Prints `value` as pretty JSON on stdout.
    func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Prints `value` as one compact JSON line on stdout (streams: `op logs --follow`).
    func jsonLine(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var data = try encoder.encode(value)
        data.append(0x0A)
        FileHandle.standardOutput.write(data)
    }

    /// Prints one line on stdout.
    func line(_ text: String = "") {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Prints one line on stderr.
    func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Prints an aligned table on stdout.
    func table(_ headers: [String], _ rows: [[String]]) {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        line(render(headers))
        for row in rows { line(render(row)) }
    }

    /// Prints `error:` and `hint:` lines on stderr (or a JSON error object in JSON mode).
    func error(_ error: any UserFacingError) {
        if format == .json {
            struct Body: Encodable {
                struct Detail: Encodable {
                    var code: String
                    var message: String
                    var hint: String?
                }
                var error: Detail
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(Body(error: .init(code: error.code, message: error.message, hint: error.hint))) {
                FileHandle.standardError.write(data + Data("\n".utf8))
                return
            }
        }
        note("error: \(error.message)")
        if let hint = error.hint { note("hint: \(hint)") }
    }

    /// Whether stderr is a terminal (for progress bars and prompts).
    static var isInteractive: Bool { isatty(STDERR_FILENO) == 1 }
}

/// Human renderings of times.
enum TimeText {
    static func iso(_ date: Date?) -> String {
        date.map(HumanFormat.timestamp) ?? "-"
    }

    static func relative(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "-" }
        let seconds = now.timeIntervalSince(date)
        if seconds < 60 { return "\(Int(max(0, seconds)))s ago" }
        if seconds < 3600 { return "\(Int(seconds / 60))m ago" }
        if seconds < 86400 { return "\(Int(seconds / 3600))h ago" }
        return "\(Int(seconds / 86400))d ago"
    }
}

