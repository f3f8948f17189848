import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif
import TidemarkControl
import TidemarkCore

/// A one-line progress display on stderr for long operations, shown only on a terminal.
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw = Date.distantPast
        var started = Date()
        var drew = false
    }

    private let state = Mutex(State())
    private let label: String

    init(label: String) {
        self.label = label
    }

    /// An observer that redraws at most ten times a second, or nil when stderr is not a terminal.
    static func observer(label: String, enabled: Bool) -> (OperationObserver?, ProgressBar?) {
        guard enabled, Console.isInteractive else { return (nil, nil) }
        let bar = ProgressBar(label: label)
        return ({ bar.update($0) }, bar)
    }

    func update(_ operation: OperationRecord) {
        let now = Date()
        let line: String? = state.withLock { state in
            guard now.timeIntervalSince(state.lastDraw) >= 0.1 else { return nil }
            state.lastDraw = now
            state.drew = true
            let elapsed = max(0.001, now.timeIntervalSince(state.started))
            let progress = operation.progress
            var parts = ["\(label): \(operation.step)"]
            if progress.bytesRead > 0 {
                let rate = Double(progress.bytesRead) / elapsed
                var text = "\(HumanFormat.bytes(progress.bytesRead))"
                if let total = progress.bytesTotal, total > 0 {
                    let percent = min(100, Int(Double(progress.bytesRead) * 100 / Double(total)))
                    let remaining = rate > 0 ? Double(total - progress.bytesRead) / rate : 0
                    text += " / \(HumanFormat.bytes(total)) (\(percent)%, ETA \(HumanFormat.duration(seconds: max(0, remaining))))"
                }
                parts.append(text)
                parts.append("\(HumanFormat.bytes(Int64(rate)))/s")
            }
            if progress.bytesStored > 0 { parts.append("stored \(HumanFormat.bytes(progress.bytesStored))") }
            if let total = progress.tablesTotal, total > 0 { parts.append("tables \(progress.tablesDone)/\(total)") }
            return parts.joined(separator: "  ")
        }
        if let line {
            _ = StandardStreams.writeAll(Array("\r\u{1B}[K\(line)".utf8), to: STDERR_FILENO)
        }
    }

    /// Ends the progress line so later output starts on a fresh line.
    func finish() {
        let drew = state.withLock { $0.drew }
        if drew { _ = StandardStreams.writeAll(Array("\r\u{1B}[K".utf8), to: STDERR_FILENO) }
    }
}
