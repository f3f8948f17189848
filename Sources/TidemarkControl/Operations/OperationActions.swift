import Foundation
import Logging
import TidemarkCore

/// Carries out the actions of an ``OperationLifecycle`` transition against the catalog, the
/// process log and the metrics.
struct OperationActions {
    let control: ControlPlane

    /// Carries out `action` for `record` (the operation as the transition left it).
    func carryOut(_ action: LifecycleAction, for record: OperationRecord, logger: Logger) async throws {
        switch action {
        case .save:
            try await control.catalog.updateOperation(record)
        case .requestCancel:
            try await control.catalog.requestCancel(operationID: record.id)
        case .log(let level, let message):
            logger.log(level: Logger.Level(rawValue: level) ?? .info, "\(message)")
            try await control.catalog.appendLog(operationID: record.id, line: OperationLogLine(time: control.now(), level: level, message: message))
        case .processLog(let level, let message):
            logger.log(level: Logger.Level(rawValue: level) ?? .info, "\(message)")
        case .countFinished(let status):
            control.metrics.operationFinished(kind: record.kind, status: status)
        case .countRetry:
            control.metrics.operationRetried(kind: record.kind)
        case .markBackup(let status, let error):
            try await markBackup(of: record, as: status, error: error)
        }
    }

    /// Carries out every action in order.
    func carryOut(_ actions: [LifecycleAction], for record: OperationRecord, logger: Logger) async throws {
        for action in actions { try await carryOut(action, for: record, logger: logger) }
    }

    /// Moves the backup an operation works on (if it is not completed) to `status`: `failed`
    /// gets a finish time, `pending` loses it; `error` replaces the recorded one when given.
    private func markBackup(of operation: OperationRecord, as status: BackupStatus, error: ErrorInfo?) async throws {
        guard operation.kind == .backup, let id = operation.backupID, var backup = try await control.catalog.backup(id: id), backup.status != .completed else { return }
        backup.status = status
        backup.finishedAt = status == .failed ? control.now() : nil
        if let error { backup.error = error }
        try await control.catalog.updateBackup(backup)
    }
}
