package import Foundation

/// A six-field cron schedule (`sec min hour day-of-month month day-of-week`), evaluated in UTC
/// or in the zone named by a `TZ=Zone` prefix (SPEC §4.1).
///
/// Parse one with ``init(parsing:)``; ask for the next run with ``nextRun(after:)``. The value
/// is pure: it never reads the clock, so the scheduler and tests pass `now` in.
///
/// Day-of-month and day-of-week follow Vixie cron: when both are restricted, a day matches if
/// either does (`0 0 0 1 * MON` runs on the 1st and on every Monday).
package struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The expression as written, including any `TZ=` prefix.
    package let text: String
    /// The zone whose wall clock the fields describe.
    package let zone: TimeZone

    // One bit per allowed value (bit n = value n).
    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    /// Bit 0 is Sunday.
    let daysOfWeek: UInt64
    let isDayOfMonthRestricted: Bool
    let isDayOfWeekRestricted: Bool

    package var description: String { text }

    /// The schedule of plans created without `--schedule`: every day at 00:00 UTC.
    package static let daily: CronExpression = {
        do {
            return try CronExpression(parsing: "@daily")
        } catch {
            preconditionFailure("the built-in @daily expression must parse: \(error)")
        }
    }()
}

/// A malformed cron expression, naming the field and the character position of the mistake.
package struct CronError: UserFacingError, Equatable {
    /// 1-based field number (1 = seconds … 6 = day-of-week), or nil for the whole expression.
    package var field: Int?
    /// 1-based character position in the expression where the mistake starts.
    package var position: Int
    package var message: String
    package var hint: String?

    package init(field: Int?, position: Int, message: String, hint: String? = nil) {
        self.field = field
        self.position = position
        self.message = message
        self.hint = hint
    }

    package var code: String { "invalid-cron" }
    package var category: ErrorCategory { .invalidInput }
}
