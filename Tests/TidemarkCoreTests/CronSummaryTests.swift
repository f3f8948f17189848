import Foundation
import Testing
import TidemarkCore

/// Schedules in words, as the dashboard's Backups tab shows them next to the expression.
@Suite struct CronSummaryTests {
    @Test("common schedules are described exactly; anything else says custom", arguments: [
        ("@daily", "every day at 00:00 UTC"),
        ("0 30 3 * * *", "every day at 03:30 UTC"),
        ("TZ=Europe/Paris 0 0 22 * * MON,FRI", "every Monday and Friday at 22:00 Europe/Paris"),
        ("0 0 1 * * MON-FRI", "every weekday at 01:00 UTC"),
        ("0 15 * * * *", "every hour at minute 15"),
        ("0 */10 * * * *", "every 10 minutes"),
        ("0 5 */6 * * *", "every 6 hours at minute 5"),
        ("0 0 2 1,15 * *", "on day 1 and 15 of every month at 02:00 UTC"),
        ("0 0 0 1 JAN *", "custom schedule"),
    ])
    func summaries(expression: String, words: String) throws {
        #expect(try CronExpression(parsing: expression).summary == words)
    }

    @Test("relative times read as people say them")
    func relative() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(HumanFormat.relative(now.addingTimeInterval(-2), now: now) == "just now")
        #expect(HumanFormat.relative(now.addingTimeInterval(-3 * 3600 - 1200), now: now) == "3h20m ago")
        #expect(HumanFormat.relative(now.addingTimeInterval(3 * 86_400), now: now) == "in 3 days")
    }
}
