package import Foundation
package import TidemarkCore

/// What `policy set` (and `PUT /api/v1/policies/{name}`) did or would do.
package struct PolicyUpdateRepresentation: Encodable, Sendable {
    package var policy: PolicyRepresentation
    package var saved: Bool
    package var deletions: [RetentionDecisionRepresentation]
    /// Archived WAL a dry run would delete with them: `{database, files, bytes}` per database.
    package var walDeletions: [WALDeletionRepresentation]
    package var retentionOperationId: String?

    package init(_ update: PolicyUpdate) {
        policy = PolicyRepresentation(update.policy)
        saved = update.isSaved
        deletions = update.deletions.map(RetentionDecisionRepresentation.init)
        walDeletions = update.walDeletions.map { WALDeletionRepresentation(database: $0.database, files: $0.files, bytes: $0.bytes) }
        retentionOperationId = update.retention?.operation.id
    }

    private enum CodingKeys: String, CodingKey { case policy, saved, deletions, walDeletions, retentionOperationId }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(policy, forKey: .policy)
        try container.encode(saved, forKey: .saved)
        try container.encode(deletions, forKey: .deletions)
        try container.encode(walDeletions, forKey: .walDeletions)
        try container.encode(retentionOperationId, forKey: .retentionOperationId)
    }
}

/// Archived WAL of one database a policy change would delete.
package struct WALDeletionRepresentation: Encodable, Sendable {
    package var database: String
    package var files: Int
    package var bytes: Int64
}

/// A policy with the databases using it and every backup's decision under it.
package struct PolicyShowRepresentation: Encodable, Sendable {
    package var policy: PolicyRepresentation
    package var databases: [String]
    package var decisions: [RetentionDecisionRepresentation]

    package init(policy: PolicyRepresentation, databases: [String], decisions: [RetentionDecisionRepresentation]) {
        self.policy = policy
        self.databases = databases
        self.decisions = decisions
    }
}

/// What `db deprovision` did.
package struct DeprovisionRepresentation: Encodable, Sendable {
    package var database: DatabaseRepresentation
    package var finalBackup: BackupRepresentation?
    package var operationId: String

    package init(_ result: DeprovisionResult) {
        database = DatabaseRepresentation(result.database)
        finalBackup = result.finalBackup.map { BackupRepresentation($0, includeContents: false) }
        operationId = result.operation.id
    }

    private enum CodingKeys: String, CodingKey { case database, finalBackup, operationId }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(database, forKey: .database)
        try container.encode(finalBackup, forKey: .finalBackup)
        try container.encode(operationId, forKey: .operationId)
    }
}

/// One JSON line of a followed operation (`op logs --follow --output json`, the API's
/// `?follow=true`): `{"type":"log","line":{…}}`, `{"type":"update","operation":{…}}` or,
/// last, `{"type":"finished","operation":{…}}`.
package struct OperationEventRepresentation: Encodable, Sendable {
    package var type: String
    package var line: OperationLogLine?
    package var operation: OperationRepresentation?

    package init(_ event: OperationEvent, now: Date) {
        switch event {
        case .log(let line):
            type = "log"
            self.line = line
        case .update(let record):
            type = "update"
            operation = OperationRepresentation(record, now: now)
        case .finished(let record):
            type = "finished"
            operation = OperationRepresentation(record, now: now)
        }
    }

    private enum CodingKeys: String, CodingKey { case type, line, operation }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        if let line { try container.encode(line, forKey: .line) }
        if let operation { try container.encode(operation, forKey: .operation) }
    }
}

/// A page of a list: the items and the cursor of the next page (null on the last).
package struct PageRepresentation<Item: Encodable & Sendable>: Encodable, Sendable {
    package var items: [Item]
    package var nextCursor: String?

    package init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    private enum CodingKeys: String, CodingKey { case items, nextCursor }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// An API token without the token itself (`token list`).
package struct TokenRepresentation: Encodable, Sendable {
    package var name: String
    package var role: String
    package var createdAt: Date
    package var lastUsedAt: Date?

    package init(_ record: TokenRecord) {
        name = record.name
        role = record.role.rawValue
        createdAt = record.createdAt
        lastUsedAt = record.lastUsedAt
    }

    private enum CodingKeys: String, CodingKey { case name, role, createdAt, lastUsedAt }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(role, forKey: .role)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(lastUsedAt, forKey: .lastUsedAt)
    }
}

/// A token as created: the only time the token itself is shown.
package struct CreatedTokenRepresentation: Encodable, Sendable {
    package var name: String
    package var role: String
    package var createdAt: Date
    /// Shown once; only its SHA-256 is stored.
    package var token: String

    package init(_ created: CreatedToken) {
        name = created.record.name
        role = created.record.role.rawValue
        createdAt = created.record.createdAt
        token = created.token.revealed
    }
}
