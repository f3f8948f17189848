import Foundation
package import TidemarkCore

/// One thing that happened to an operation being followed (`op logs --follow`, the API's
/// `GET /operations/{id}/logs?follow=true`).
package enum OperationEvent: Sendable {
    /// A new log line.
    case log(OperationLogLine)
    /// The record changed (step, progress, status, attempt).
    case update(OperationRecord)
    /// The operation ended; the stream ends after this event.
    case finished(OperationRecord)
}
