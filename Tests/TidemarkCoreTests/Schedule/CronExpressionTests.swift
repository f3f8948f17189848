import Foundation
import Testing
import TidemarkCore
import TidemarkTesting

@Suite struct CronExpressionTests {
    @Test(
        "finds the next run after a time (UTC)",
        arguments: [
            ("0 30 2 * * *", "2026-11-21T01:00:00Z", "2026-11-21T02:30:00Z"),
            ("0 30 2 * * *", "2026-11-21T02:30:00Z", "2026-11-22T02:30:00Z"),
            ("* * * * * *", "2026-11-21T02:30:00Z", "2026-11-21T02:30:01Z"),
            ("*/15 * * * * *", "2026-11-21T02:30:50Z", "2026-11-21T02:31:00Z"),
            ("0 0 */6 * * *", "2026-11-21T07:00:00Z", "2026-11-21T12:00:00Z"),
            ("0 0 9-17/4 * * MON-FRI", "2026-11-21T10:00:00Z", "2026-11-23T09:00:00Z"),
            ("0 0 0 1 JAN *", "2026-11-21T00:00:00Z", "2027-01-01T00:00:00Z"),
            ("0 0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
            ("0 0 0 31 * *", "2026-11-21T00:00:00Z", "2026-12-31T00:00:00Z"),
            ("0 0 12 1,15 * *", "2026-11-02T00:00:00Z", "2026-11-15T12:00:00Z"),
            ("0 0 0 * * 7", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"),
            ("0 0 0 * * sun", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"),
            ("0 0 0 ? * SAT", "2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"),
            ("0 5-10 * * * *", "2026-11-21T00:10:00Z", "2026-11-21T01:05:00Z"),
            // A start with a step runs to the field's end, as documented: 0/5 is 0-59/5.
            ("0 0/20 * * * *", "2026-11-21T00:41:00Z", "2026-11-21T01:00:00Z"),
            ("0 10/20 * * * *", "2026-11-21T00:31:00Z", "2026-11-21T00:50:00Z"),
            ("@hourly", "2026-11-21T00:10:00Z", "2026-11-21T01:00:00Z"),
            ("@daily", "2026-11-21T00:10:00Z", "2026-11-22T00:00:00Z"),
            ("@weekly", "2026-11-21T00:10:00Z", "2026-11-22T00:00:00Z"),
            ("@monthly", "2026-11-21T00:10:00Z", "2026-12-01T00:00:00Z"),
            ("@yearly", "2026-11-21T00:10:00Z", "2027-01-01T00:00:00Z"),
        ]
    )
    func nextRun(expression: String, after: String, expected: String) throws {
        let cron = try CronExpression(parsing: expression)
        #expect(cron.nextRun(after: utc(after)) == utc(expected))
    }

    @Test("day-of-month and day-of-week both restricted: either matches (Vixie cron)")
    func dayOfMonthOrWeek() throws {
        // 2026-11-21 is a Saturday; the next Monday is the 23rd, the next 1st is December.
        let cron = try CronExpression(parsing: "0 0 0 1 * MON")
        #expect(cron.nextRun(after: utc("2026-11-21T00:00:00Z")) == utc("2026-11-23T00:00:00Z"))
        #expect(cron.nextRun(after: utc("2026-11-30T00:00:00Z")) == utc("2026-12-01T00:00:00Z"))
    }

    @Test("a zone prefix evaluates the fields on that zone's wall clock")
    func zone() throws {
        let cron = try CronExpression(parsing: "TZ=Europe/Berlin 0 30 2 * * *")
        // 02:30 CET is 01:30 UTC in November.
        #expect(cron.nextRun(after: utc("2026-11-21T00:00:00Z")) == utc("2026-11-21T01:30:00Z"))
        // 02:30 CEST is 00:30 UTC in June.
        #expect(cron.nextRun(after: utc("2026-06-10T00:00:00Z")) == utc("2026-06-10T00:30:00Z"))
    }

    @Test("spring forward: a wall time the clock skips runs when the clock jumps (Europe/Berlin, 2026-03-29)")
    func springForward() throws {
        let cron = try CronExpression(parsing: "TZ=Europe/Berlin 0 30 2 * * *")
        // 02:00 CET → 03:00 CEST at 01:00 UTC; 02:30 does not exist that night.
        let first = cron.nextRun(after: utc("2026-03-28T23:00:00Z"))
        #expect(first == utc("2026-03-29T01:00:00Z"))
        // The next day is back to normal: 02:30 CEST = 00:30 UTC.
        #expect(cron.nextRun(after: try #require(first)) == utc("2026-03-30T00:30:00Z"))
    }

    @Test("fall back: a wall time that happens twice runs once (Europe/Berlin, 2026-10-25)")
    func fallBack() throws {
        let cron = try CronExpression(parsing: "TZ=Europe/Berlin 0 30 2 * * *")
        // 03:00 CEST → 02:00 CET at 01:00 UTC; 02:30 happens at 00:30 UTC and again at 01:30 UTC.
        let first = try #require(cron.nextRun(after: utc("2026-10-24T23:00:00Z")))
        #expect(first == utc("2026-10-25T00:30:00Z"))
        #expect(cron.nextRun(after: first) == utc("2026-10-26T01:30:00Z"))
        // Even asked from inside the repeated hour, the second 02:30 is not a run.
        #expect(cron.nextRun(after: utc("2026-10-25T01:10:00Z")) == utc("2026-10-26T01:30:00Z"))
    }

    @Test("an hourly schedule keeps running across the spring-forward jump")
    func hourlyAcrossDST() throws {
        let cron = try CronExpression(parsing: "TZ=America/New_York 0 0 * * * *")
        var time = utc("2026-03-08T05:30:00Z")
        var runs: [Date] = []
        for _ in 0..<4 {
            time = try #require(cron.nextRun(after: time))
            runs.append(time)
        }
        // 01:00 EST, then 03:00 EDT (02:00 does not exist), 04:00 EDT, 05:00 EDT: one hour apart in UTC.
        #expect(runs == [utc("2026-03-08T06:00:00Z"), utc("2026-03-08T07:00:00Z"), utc("2026-03-08T08:00:00Z"), utc("2026-03-08T09:00:00Z")])
    }

    @Test(
        "rejects malformed expressions with the field and position",
        arguments: [
            ("61 0 * * * *", 1, 1, "cron field 1 (seconds): 61 is out of range 0-59"),
            ("0 60 * * * *", 2, 3, "cron field 2 (minutes): 60 is out of range 0-59"),
            ("0 0 24 * * *", 3, 5, "cron field 3 (hours): 24 is out of range 0-23"),
            ("0 0 0 0 * *", 4, 7, "cron field 4 (day-of-month): 0 is out of range 1-31"),
            ("0 0 0 * 13 *", 5, 9, "cron field 5 (month): 13 is out of range 1-12"),
            ("0 0 0 * * 8", 6, 11, "cron field 6 (day-of-week): 8 is out of range 0-7"),
            ("0 0 0 * * FUNDAY", 6, 11, "cron field 6 (day-of-week): 'FUNDAY' is not a number in 0-7 (or SUN-SAT)"),
            ("0 */0 * * * *", 2, 5, "cron field 2 (minutes): step '0' must be a positive number"),
            ("0 0 10-2 * * *", 3, 5, "cron field 3 (hours): range 10-2 runs backwards"),
            ("0 0,,5 * * * *", 2, 5, "cron field 2 (minutes): empty list item"),
            ("0 0 ? * * *", 3, 5, "cron field 3 (hours): '?' is allowed only in day-of-month and day-of-week"),
            ("+1 * * * * *", 1, 1, "cron field 1 (seconds): '+1' is not a number in 0-59"),
            ("0 */+5 * * * *", 2, 5, "cron field 2 (minutes): step '+5' must be a positive number"),
            ("0 0 +3-5 * * *", 3, 5, "cron field 3 (hours): '+3' is not a number in 0-23"),
        ]
    )
    func rejects(expression: String, field: Int, position: Int, message: String) {
        #expect(throws: CronError(field: field, position: position, message: message, hint: nil).withHintOf(expression)) {
            try CronExpression(parsing: expression)
        }
    }

    @Test("rejects a wrong field count, an unknown zone or shortcut, and dates that never happen")
    func rejectsWholeExpression() {
        for (expression, message) in [
            ("0 30 2 * *", "cron expression '0 30 2 * *' has 5 fields, expected 6"),
            ("", "cron expression '' has 0 fields, expected 6"),
            ("TZ=Mars/Olympus 0 0 0 * * *", "cron time zone 'Mars/Olympus' is unknown"),
            ("@fortnightly", "cron shortcut '@fortnightly' is unknown"),
            ("0 0 0 30 FEB *", "cron expression '0 0 0 30 FEB *' never matches a date"),
        ] {
            do {
                _ = try CronExpression(parsing: expression)
                Issue.record("\(expression) parsed")
            } catch let error as CronError {
                #expect(error.message == message)
                #expect(error.code == "invalid-cron")
                #expect(error.category == .invalidInput)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}

extension CronError {
    /// The same error with whatever hint the parser gives for `expression` (the tests check
    /// message, field and position; the hint is prose).
    fileprivate func withHintOf(_ expression: String) -> CronError {
        do {
            _ = try CronExpression(parsing: expression)
        } catch let error as CronError {
            var copy = self
            copy.hint = error.hint
            return copy
        } catch {}
        return self
    }
}
