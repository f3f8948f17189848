package import Foundation
import Synchronization

/// A settable "now" for tests that drive the scheduler and leases without sleeping
/// (postgres-nio's `MockClock` idea, for `ControlPlane.now`).
package final class ManualTime: Sendable {
    private let current: Mutex<Date>

    package init(_ start: Date) {
        current = Mutex(start)
    }

    /// The current manual time.
    package var now: Date { current.withLock { $0 } }

    /// Moves time forward by `seconds`.
    package func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Sets the time.
    package func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}

/// `utc("2026-11-21T03:00:00Z")`: a UTC time written the way tables in tests read best.
package func utc(_ text: String) -> Date {
    let parts = text.split { "-T:Z".contains($0) }.compactMap { Int($0) }
    var components = DateComponents()
    components.year = parts[0]
    components.month = parts[1]
    components.day = parts[2]
    components.hour = parts.count > 3 ? parts[3] : 0
    components.minute = parts.count > 4 ? parts[4] : 0
    components.second = parts.count > 5 ? parts[5] : 0
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
    return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
}
