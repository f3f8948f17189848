import Foundation
package import TidemarkCore
import TidemarkRepository

/// What an export operation writes.
package struct ExportRequest: JobRequest {
    package var backupID: String

    package init(backupID: String) { self.backupID = backupID }

    package init(legacy parameters: [String: String], operation: OperationRecord) throws {
        self.init(backupID: try Self.require("backupId", in: parameters, of: operation, fallback: operation.backupID))
    }
}

/// Writes a backup as the engine's native dump (for PostgreSQL, a pg_dump custom-format
/// archive that pg_restore reads) to the command's sink, chunk by chunk. It streams to the
/// command that starts it, so it is never queued or retried: the command is run again.
package struct ExportJob: Job {
    package static let kind = OperationKind.export
    package static let steps = ["opening repository", "loading index", "exporting"]
    package static let runsInBackground = false
    package static let retry = JobRetry.never

    /// Where the archive goes (stdout, a file).
    let sink: ([UInt8]) async throws -> Void

    /// - Throws: `backup-not-found`, `backup-not-completed`, `storage-not-found`.
    package func preflight(_ request: ExportRequest, control: ControlPlane) async throws -> Preflighted<ExportRequest> {
        let backup = try await control.catalog.requireCompletedBackup(id: request.backupID)
        _ = try await control.storages.get(named: backup.storage)
        return Preflighted(request, summary: "export backup \(request.backupID)", database: backup.database, backupID: backup.id)
    }

    package func perform(_ request: ExportRequest, run: OperationRun, control: ControlPlane) async throws -> OperationRecord {
        let backup = try await control.catalog.requireCompletedBackup(id: request.backupID)
        try await run.step("opening repository")
        let repository = try await control.openRepository(try await control.storages.get(named: backup.storage))
        let manifest = try await repository.manifest(id: backup.id)
        guard let stream = manifest.streams.first else {
            throw ControlError(.backupNotRestorable, "backup \(backup.id) has no data stream")
        }
        run.progress { $0.bytesTotal = stream.size }
        try await run.step("loading index")
        let index = try await repository.loadIndex()
        try await run.step("exporting")
        try await repository.withStreamReader(stream, index: index) { reader in
            while let chunk = try await run.nextChunk(of: reader) {
                try await sink(chunk)
            }
        }
        try await run.complete(result: ["bytes": "\(stream.size)", "format": stream.format])
        return run.record
    }
}
