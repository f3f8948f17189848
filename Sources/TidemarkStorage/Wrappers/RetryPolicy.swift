import Foundation
package import Logging
import Synchronization
import TidemarkCore

/// Exponential backoff with full jitter for transient failures (`isRetryable` errors: 5xx,
/// 429, timeouts, dropped connections, damaged transfers).
///
/// Besides the tries per call, a **budget** bounds how long failures may go on back to back:
/// once calls have failed without a success in between for `budget`, the next failure is
/// reported at once. A dead endpoint therefore fails an operation within about `budget`
/// (default 30 s) however many calls it makes, while a long backup still rides out blips.
/// The sleep, the clock and the random source are injected so tests run without waiting.
package struct RetryPolicy: Sendable {
    /// Tries in all, the first included.
    package var attempts: Int
    package var baseDelay: Duration
    package var maxDelay: Duration
    /// How long failures may follow each other with no success before retrying stops.
    package var budget: Duration
    package var sleep: @Sendable (Duration) async throws -> Void
    /// A number in 0..<1 for the jitter.
    package var random: @Sendable () -> Double
    /// The monotonic clock the budget is measured on.
    package var now: @Sendable () -> ContinuousClock.Instant

    package init(
        attempts: Int = 6,
        baseDelay: Duration = .milliseconds(200),
        maxDelay: Duration = .seconds(10),
        budget: Duration = .seconds(30),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.attempts = max(1, attempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.budget = budget
        self.sleep = sleep
        self.random = random
        self.now = now
    }

    /// The wait before try `attempt + 1`: uniformly random up to `base · 2^(attempt-1)`,
    /// capped at `maxDelay` ("full jitter", so many clients do not retry in step).
    package func delay(afterAttempt attempt: Int) -> Duration {
        let exponential = baseDelay * (1 << min(attempt - 1, 20))
        let capped = min(exponential, maxDelay)
        return capped * random()
    }

    /// Runs `body`, retrying retryable errors while tries and the budget last; `onRetry`
    /// hears of each retry before the wait.
    /// - Parameter streak: failures in a row shared by the calls of one store (one operation),
    ///   so the budget covers all of them; a fresh one bounds only this call.
    package func run<T>(
        _ description: @autoclosure () -> String,
        logger: Logger,
        streak: FailureStreak = FailureStreak(),
        onRetry: (any Error, Int) -> Void = { _, _ in },
        _ body: () async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                let value = try await body()
                streak.reset()
                return value
            } catch let error as any UserFacingError where error.isRetryable && attempt < attempts {
                let failingFor = streak.recordFailure(at: now())
                let wait = delay(afterAttempt: attempt)
                guard failingFor + wait <= budget else {
                    logger.warning(
                        "storage calls have failed for \(failingFor) without a success; not retrying",
                        metadata: ["call": "\(description())", "error": "\(error.code)", "budget": "\(budget)"]
                    )
                    throw error
                }
                logger.warning(
                    "retrying storage call",
                    metadata: ["call": "\(description())", "attempt": "\(attempt + 1)/\(attempts)", "error": "\(error.code)", "wait": "\(wait)"]
                )
                onRetry(error, attempt)
                try await sleep(wait)
                attempt += 1
            }
        }
    }
}

/// When the current run of back-to-back storage failures began, shared by the calls of one
/// store so ``RetryPolicy/budget`` bounds them together.
package final class FailureStreak: Sendable {
    private let start = Mutex<ContinuousClock.Instant?>(nil)

    package init() {}

    /// Notes a failure at `time`; returns how long failures have followed each other.
    func recordFailure(at time: ContinuousClock.Instant) -> Duration {
        start.withLock { start in
            let began = start ?? time
            start = began
            return time - began
        }
    }

    /// A call succeeded: the streak is over.
    func reset() {
        start.withLock { $0 = nil }
    }
}
