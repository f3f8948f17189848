
/// Filters for listing backups.
package struct BackupFilter: Sendable, Equatable {
    package var database: String?
    package var status: BackupStatus?

    package init(database: String? = nil, status: BackupStatus? = nil) {
        self.database = database
        self.status = status
    }
}

/// The control plane's durable state: storages, databases, backups, operations and their logs.
///
/// Contract (checked by `CatalogConformanceTests`):
/// - Inserting a storage or database whose name exists throws `CatalogError` `name-conflict`.
/// - Lookups of unknown names or ids return nil; deletes of unknown names throw `not-found`.
/// - Secrets (database passwords) are sealed before they reach the catalog's files and
///   unsealed on read; the file never holds them in plain text.
/// - Every write is durable when the call returns.
package protocol Catalog: Sendable {
    func insertStorage(_ storage: StorageRecord) async throws
    func storage(named name: String) async throws -> StorageRecord?
    func storages() async throws -> [StorageRecord]
    /// Replaces the settings, repository id and secret of an existing storage.
    func updateStorage(_ storage: StorageRecord) async throws
    func deleteStorage(named name: String) async throws

    func insertDatabase(_ database: DatabaseRecord) async throws
    func database(named name: String) async throws -> DatabaseRecord?
    func databases() async throws -> [DatabaseRecord]

    func insertBackup(_ backup: BackupRecord) async throws
    func updateBackup(_ backup: BackupRecord) async throws
    func backup(id: String) async throws -> BackupRecord?
    /// Backups matching `filter`, newest first.
    func backups(matching filter: BackupFilter) async throws -> [BackupRecord]
    func deleteBackup(id: String) async throws
    /// Number of backups stored in `storage` (any status).
    func backupCount(inStorage storage: String) async throws -> Int

    func insertOperation(_ operation: OperationRecord) async throws
    func updateOperation(_ operation: OperationRecord) async throws
    func operation(id: String) async throws -> OperationRecord?
    /// Operations, newest first, optionally only those with `status`.
    func operations(status: OperationStatus?) async throws -> [OperationRecord]
    func appendLog(operationID: String, line: OperationLogLine) async throws
    func logs(operationID: String) async throws -> [OperationLogLine]
}
