import ArgumentParser
import Foundation
import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// Everything the CLI shows people or scripts goes through here (never through the logger).
struct Console: Sendable {
    let format: OutputFormat
    let streams: StandardStreams

    init(format: OutputFormat, streams: StandardStreams = StandardStreams()) {
        self.format = format
        self.streams = streams
    }

    /// Prints `value` as pretty JSON on stdout.
    func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try streams.writeOutput(Array(try encoder.encode(value)) + [0x0A])
    }

    /// Prints `value` as one compact JSON line on stdout (streams: `op logs --follow`).
    func jsonLine(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try streams.writeOutput(Array(try encoder.encode(value)) + [0x0A])
    }

    /// Writes raw bytes on stdout (`backup export` without `--out`).
    /// - Throws: `OutputClosedError` when stdout's reader has gone away.
    func raw(_ bytes: [UInt8]) throws {
        try streams.writeOutput(bytes)
    }

    /// Stops a long-running listing (`op logs --follow`) whose reader has gone away.
    /// - Throws: `OutputClosedError` when stdout is closed.
    func checkOutputOpen() throws {
        if streams.isOutputClosed { throw OutputClosedError() }
    }

    /// Prints one line on stdout; once stdout is closed, lines are dropped and the command
    /// ends quietly when it returns.
    func line(_ text: String = "") {
        try? streams.writeOutput(Array((text + "\n").utf8))
    }

    /// Prints one line on stderr.
    func note(_ text: String) {
        streams.writeError(Array((text + "\n").utf8))
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
                streams.writeError(Array(data) + [0x0A])
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

