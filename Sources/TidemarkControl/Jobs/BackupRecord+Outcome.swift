import Foundation
import TidemarkCore

extension BackupRecord {
    /// What an attempt that ended with `error` (`outcome`) leaves on the record of the backup it
    /// was writing — a backup or a copy: pending again with the error when it will be retried
    /// or resumed, failed at `time` when cancelled or failed. A lost lease leaves it alone (the
    /// record is another worker's now).
    /// - Returns: false for a lost lease: the caller must not write the record.
    mutating func settle(after error: any Error, outcome: OperationOutcome, at time: Date) -> Bool {
        switch outcome {
        case .retry, .resumeLater:
            status = .pending
        case .leaseLost:
            return false
        case .cancelled, .failed:
            status = .failed
            finishedAt = time
        }
        self.error = ErrorInfo(error)
        return true
    }
}
