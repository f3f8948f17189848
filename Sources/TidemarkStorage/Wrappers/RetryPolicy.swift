import Foundation
package import Logging
import TidemarkCore

/// Exponential backoff with full jitter for transient failures (`isRetryable` errors: 5xx,
/// 429, timeouts, dropped connections, damaged transfers).
///
/// The sleep and the random source are injected so tests run without waiting.
package struct RetryPolicy: Sendable {
    /// Tries in all, the first included.
    package var attempts: Int
    package var baseDelay: Duration
    package var maxDelay: Duration
    package var sleep: @Sendable (Duration) async throws -> Void
    /// A number in 0..<1 for the jitter.
    package var random: @Sendable () -> Double

    package init(
        attempts: Int = 6,
        baseDelay: Duration = .milliseconds(200),
        maxDelay: Duration = .seconds(10),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.attempts = max(1, attempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
        self.random = random
    }

    /// The wait before try `attempt + 1`: uniformly random up to `base · 2^(attempt-1)`,
    /// capped at `maxDelay` ("full jitter", so many clients do not retry in step).
    package func delay(afterAttempt attempt: Int) -> Duration {
        let exponential = baseDelay * (1 << min(attempt - 1, 20))
        let capped = min(exponential, maxDelay)
        return capped * random()
    }

    /// Runs `body`, retrying retryable errors; `onRetry` hears of each retry before the wait.
    package func run<T>(
        _ description: @autoclosure () -> String,
        logger: Logger,
        onRetry: (any Error, Int) -> Void = { _, _ in },
        _ body: () async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as any UserFacingError where error.isRetryable && attempt < attempts {
                let wait = delay(afterAttempt: attempt)
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
