/// The outcome of a storage connection test (SPEC §4.4): one step per operation backups need,
/// and on failure exactly one category with the raw status and a hint.
package struct ConnectionTestReport: Sendable, Codable, Equatable {
    /// One operation of the test.
    package struct Step: Sendable, Codable, Equatable {
        /// `put`, `get`, `list` or `delete`.
        package var operation: String
        /// `passed`, `failed` or `skipped` (not tried because an earlier step failed).
        package var result: String
        /// What was checked or what went wrong.
        package var detail: String
        package var milliseconds: Int?

        package init(operation: String, result: String, detail: String, milliseconds: Int? = nil) {
            self.operation = operation
            self.result = result
            self.detail = detail
            self.milliseconds = milliseconds
        }
    }

    /// Why the test failed.
    package struct Failure: Sendable, Codable, Equatable {
        /// One of `invalid-credentials`, `missing-permission(put|get|list|delete)`,
        /// `endpoint-unreachable`, `bucket-not-found`, `path-access-denied`, `tls-error`,
        /// `unexpected-response`.
        package var category: String
        package var message: String
        package var hint: String
        /// The HTTP status of the failing response, when there was one.
        package var httpStatus: Int?
        /// The service's error code (`AccessDenied`), when it sent one.
        package var serviceCode: String?

        package init(category: String, message: String, hint: String, httpStatus: Int? = nil, serviceCode: String? = nil) {
            self.category = category
            self.message = message
            self.hint = hint
            self.httpStatus = httpStatus
            self.serviceCode = serviceCode
        }
    }

    package var location: String
    package var steps: [Step]
    package var failure: Failure?
    /// True when every step passed: the storage can take backups.
    package var passed: Bool { failure == nil }

    package init(location: String, steps: [Step], failure: Failure?) {
        self.location = location
        self.steps = steps
        self.failure = failure
    }
}

/// A connection test that failed, as an error: its code is the failure category.
package struct ConnectionTestFailedError: UserFacingError {
    package var report: ConnectionTestReport

    package init(report: ConnectionTestReport) {
        self.report = report
    }

    package var code: String { report.failure?.category ?? "unexpected-response" }
    package var message: String { "the connection test of \(report.location) failed: \(report.failure?.message ?? "unknown failure")" }
    package var hint: String? { report.failure?.hint }
    package var category: ErrorCategory {
        switch code {
        case "invalid-credentials", "path-access-denied": .authentication
        case "bucket-not-found": .notFound
        case "endpoint-unreachable", "tls-error": .unavailable
        case let code where code.hasPrefix("missing-permission"): .authentication
        default: .storage
        }
    }
    package var isRetryable: Bool { false }
}
