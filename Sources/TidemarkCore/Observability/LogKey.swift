/// Metadata keys every log line uses, so logs can be filtered by operation and database.
package enum LogKey {
    package static let operationID = "tidemark.operation.id"
    package static let operationKind = "tidemark.operation.kind"
    package static let database = "tidemark.database"
    package static let storage = "tidemark.storage"
    package static let backupID = "tidemark.backup.id"
    package static let step = "tidemark.step"
    package static let attempt = "tidemark.attempt"
    package static let errorCode = "error.code"
}
