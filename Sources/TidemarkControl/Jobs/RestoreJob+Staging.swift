import Logging
import TidemarkCore
import TidemarkRepository

/// What logical restores and one-table restores of physical backups share: the staging
/// database on the source's server and its publication under the chosen name.
extension ControlPlane {
    /// Drops `staging` when an earlier attempt of this operation left it half-restored.
    func dropLeftoverStaging(_ staging: String, engine: any DatabaseEngine, on source: DatabaseRecord, run: OperationRun) async throws {
        guard try await engine.databaseExists(staging, on: source.target) else { return }
        try await engine.dropDatabase(staging, on: source.target)
        try await run.log("dropped \(staging), left half-restored by an earlier attempt", level: .warning)
    }

    /// Renames the complete `staging` database to `newName` (step `publishing`); when that
    /// fails, drops it, and says so plainly when the name was taken meanwhile.
    /// - Throws: `target-exists`, the engine's error.
    func publish(_ staging: String, as newName: String, engine: any DatabaseEngine, on source: DatabaseRecord, run: OperationRun) async throws {
        try await run.step("publishing")
        do {
            try await engine.renameDatabase(staging, to: newName, on: source.target)
        } catch {
            try? await engine.dropDatabase(staging, on: source.target)
            if try await engine.databaseExists(newName, on: source.target) {
                throw ControlError(
                    .targetExists, "\(newName) was created on \(source.connection.placeDescription) while the restore ran",
                    hint: "Restores always create a new database; retry with a name that is not in use."
                )
            }
            throw error
        }
    }
}

extension BackupManifest {
    /// The format name of a physical backup's base backup stream.
    static let baseBackupFormat = "pg_basebackup-tar"

    /// The base backup stream of this physical backup.
    /// - Throws: `backup-not-completed` when there is none.
    func baseBackupStream() throws -> StreamReference {
        guard let stream = streams.first(where: { $0.format == Self.baseBackupFormat }) else {
            throw ControlError(.backupNotRestorable, "backup \(id) has no base backup stream")
        }
        return stream
    }
}
