package import Foundation
package import TidemarkCore

/// The documented JSON shape of a backup (SPEC §2.1, docs/OPERATIONS.md "JSON output").
///
/// Keys are camelCase; absent values are `null`, never missing, so scripts can rely on them.
package struct BackupRepresentation: Encodable, Sendable {
    package var id: String
    package var database: String
    package var storage: String
    package var status: String
    package var trigger: String
    package var method: String
    package var engine: String
    package var serverVersion: String?
    package var startedAt: Date
    package var finishedAt: Date?
    package var durationSeconds: Double?
    package var logicalBytes: Int64
    package var storedBytes: Int64
    /// When retention deletes the backup under the current policy; null when kept forever
    /// (manual and kept final backups) or not completed.
    package var expiresAt: Date?
    package var error: ErrorInfo?
    package var operationId: String?
    /// For a copy: the backup it was copied from.
    package var copyOf: String?
    /// The backup's last restore test; null when never tested.
    package var lastTest: RestoreTestRepresentation?
    /// Only in `backup show`.
    package var databases: [DatabaseContents]?
    /// LSNs, timeline and system of a physical backup (`backup show`); null for logical ones.
    package var physical: PhysicalBackupInfo?
    /// What the dump warned about (`backup show`; an empty list when nothing).
    package var warnings: [String]?

    package init(_ backup: BackupRecord, includeContents: Bool, expiresAt: Date? = nil) {
        id = backup.id
        database = backup.database
        storage = backup.storage
        status = backup.status.rawValue
        trigger = backup.trigger.rawValue
        method = backup.method.rawValue
        engine = backup.engine.rawValue
        serverVersion = backup.serverVersion
        startedAt = backup.startedAt
        finishedAt = backup.finishedAt
        durationSeconds = backup.finishedAt.map { $0.timeIntervalSince(backup.startedAt) }
        logicalBytes = backup.logicalBytes
        storedBytes = backup.storedBytes
        self.expiresAt = expiresAt
        error = backup.error
        operationId = backup.operationID
        copyOf = backup.copyOf
        lastTest = backup.lastTest.map(RestoreTestRepresentation.init)
        databases = includeContents ? backup.databases : nil
        physical = includeContents ? backup.physical : nil
        warnings = includeContents ? backup.warnings : nil
    }

    private enum CodingKeys: String, CodingKey {
        case id, database, storage, status, trigger, method, engine, serverVersion, startedAt, finishedAt, durationSeconds
        case logicalBytes, storedBytes, expiresAt, error, operationId, copyOf, lastTest, databases, physical, warnings
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(database, forKey: .database)
        try container.encode(storage, forKey: .storage)
        try container.encode(status, forKey: .status)
        try container.encode(trigger, forKey: .trigger)
        try container.encode(method, forKey: .method)
        try container.encode(engine, forKey: .engine)
        try container.encode(serverVersion, forKey: .serverVersion)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(logicalBytes, forKey: .logicalBytes)
        try container.encode(storedBytes, forKey: .storedBytes)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(error, forKey: .error)
        try container.encode(operationId, forKey: .operationId)
        try container.encode(copyOf, forKey: .copyOf)
        try container.encode(lastTest, forKey: .lastTest)
        if let databases {
            try container.encode(databases, forKey: .databases)
            try container.encode(physical, forKey: .physical)
            try container.encode(warnings ?? [], forKey: .warnings)
        }
    }
}

/// The documented JSON shape of an operation.
package struct OperationRepresentation: Encodable, Sendable {
    package var id: String
    package var kind: String
    package var status: String
    package var step: String
    package var attempt: Int
    package var maxAttempts: Int
    package var retryable: Bool
    package var lastError: ErrorInfo?
    package var database: String?
    package var backupId: String?
    package var summary: String
    package var createdAt: Date
    package var startedAt: Date?
    package var finishedAt: Date?
    package var progress: OperationProgress
    package var result: [String: String]
    /// A queued retry does not start before this time.
    package var notBefore: Date?
    /// The process holding the lease while it runs (`serve:host:pid`, `cli:host:pid`).
    package var leaseOwner: String?
    package var leaseExpiresAt: Date?
    /// Seconds left at the current rate, when the total is known (running operations only).
    package var etaSeconds: Double?
    /// Every attempt that has ended, oldest first, with its outcome and error.
    package var attempts: [OperationAttempt]

    /// - Parameter now: the time to compute `etaSeconds` against; nil leaves it null.
    package init(_ operation: OperationRecord, now: Date? = nil) {
        id = operation.id
        kind = operation.kind.rawValue
        status = operation.status.rawValue
        step = operation.step
        attempt = operation.attempt
        maxAttempts = operation.maxAttempts
        retryable = operation.isRetryable
        lastError = operation.lastError
        database = operation.database
        backupId = operation.backupID
        summary = operation.summary
        createdAt = operation.createdAt
        startedAt = operation.startedAt
        finishedAt = operation.finishedAt
        progress = operation.progress
        result = operation.result
        notBefore = operation.notBefore
        leaseOwner = operation.leaseOwner
        leaseExpiresAt = operation.leaseExpiresAt
        etaSeconds = now.flatMap { Self.eta(of: operation, now: $0) }
        attempts = operation.attempts
    }

    /// Remaining bytes over the average rate so far.
    static func eta(of operation: OperationRecord, now: Date) -> Double? {
        guard operation.status == .running, let total = operation.progress.bytesTotal, let started = operation.startedAt else { return nil }
        let elapsed = now.timeIntervalSince(started)
        let done = operation.progress.bytesRead
        guard elapsed > 1, done > 0 else { return nil }
        return max(0, Double(total - done) / (Double(done) / elapsed))
    }

    private enum CodingKeys: String, CodingKey {
        case id, kind, status, step, attempt, maxAttempts, retryable, lastError, database, backupId, summary
        case createdAt, startedAt, finishedAt, progress, result, notBefore, leaseOwner, leaseExpiresAt, etaSeconds, attempts
    }

    /// Progress with every documented key present (`null` when unknown), as the schema says.
    private struct Progress: Encodable {
        var progress: OperationProgress

        private enum CodingKeys: String, CodingKey { case bytesRead, bytesStored, tablesDone, tablesTotal, bytesTotal }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(progress.bytesRead, forKey: .bytesRead)
            try container.encode(progress.bytesStored, forKey: .bytesStored)
            try container.encode(progress.tablesDone, forKey: .tablesDone)
            try container.encode(progress.tablesTotal, forKey: .tablesTotal)
            try container.encode(progress.bytesTotal, forKey: .bytesTotal)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(status, forKey: .status)
        try container.encode(step, forKey: .step)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(maxAttempts, forKey: .maxAttempts)
        try container.encode(retryable, forKey: .retryable)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(database, forKey: .database)
        try container.encode(backupId, forKey: .backupId)
        try container.encode(summary, forKey: .summary)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(Progress(progress: progress), forKey: .progress)
        // No result yet (or none for this kind) is null, not an empty object.
        try container.encode(result.isEmpty ? nil : result, forKey: .result)
        try container.encode(notBefore, forKey: .notBefore)
        try container.encode(leaseOwner, forKey: .leaseOwner)
        try container.encode(leaseExpiresAt, forKey: .leaseExpiresAt)
        try container.encode(etaSeconds, forKey: .etaSeconds)
        try container.encode(attempts, forKey: .attempts)
    }
}

/// The documented JSON shape of a storage.
package struct StorageRepresentation: Encodable, Sendable {
    package var name: String
    package var kind: String
    package var location: String
    package var repositoryId: String
    package var createdAt: Date
    /// S3 settings (never the secret); null for local storages.
    package var s3: S3? = nil

    /// The S3 part of a storage's JSON shape.
    package struct S3: Encodable, Sendable {
        package var endpoint: String
        package var bucket: String
        package var prefix: String
        package var region: String
        package var pathStyle: Bool
        package var accessKeyId: String
        package var checksumHeaders: Bool
        package var secretAccessKeyStored: Bool
    }

    package init(_ storage: StorageRecord) {
        name = storage.name
        kind = storage.settings.kind
        location = storage.settings.location
        repositoryId = storage.repositoryID
        createdAt = storage.createdAt
        if case .s3(let settings) = storage.settings {
            s3 = S3(
                endpoint: settings.endpoint, bucket: settings.bucket, prefix: settings.prefix, region: settings.region,
                pathStyle: settings.pathStyle, accessKeyId: settings.accessKeyID, checksumHeaders: settings.checksumHeaders,
                secretAccessKeyStored: storage.secretAccessKey != nil
            )
        }
    }
}

/// The documented JSON shape of a database. The URL never contains the password.
package struct DatabaseRepresentation: Encodable, Sendable {
    /// The stable id manifests carry (`storage attach` matches databases on it).
    package var id: String
    package var name: String
    package var engine: String
    package var url: String
    package var host: String
    package var port: Int
    package var user: String
    package var database: String
    package var createdAt: Date
    package var deprovisionedAt: Date?
    /// Whether Tidemark runs this server (a managed instance, SPEC §4.7).
    package var managed: Bool
    /// PGDATA of a managed instance.
    package var dataDirectory: String?
    /// `running`, `stopped` or `missing` for a managed instance, when it was looked at.
    package var status: InstanceStatus?
    /// Whether `serve` keeps a managed instance running (`running`) or leaves it down (`stopped`).
    package var desiredState: String?
    /// Restorable ranges per timeline (point-in-time recovery), only where one database is shown.
    package var recoveryWindow: [RecoveryRange]?
    /// The replication slot on an external server its WAL is streamed from (`pg_receivewal`
    /// run by `serve`), while its plan archives.
    package var walSlot: String?

    /// - Parameter status: the managed instance's state, when known.
    package init(_ record: DatabaseRecord, status: InstanceStatus? = nil) {
        id = record.id
        name = record.name
        engine = record.engine.rawValue
        url = DatabaseURL.render(record.connection, engine: record.engine, password: record.password)
        host = record.connection.host
        port = record.connection.port
        user = record.connection.user
        database = record.connection.database
        createdAt = record.createdAt
        deprovisionedAt = record.deprovisionedAt
        managed = record.managed != nil
        dataDirectory = record.managed?.dataDirectory
        self.status = status
        desiredState = record.managed?.desiredState.rawValue
        walSlot = record.walStreaming?.active == true ? record.walStreaming?.slot : nil
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, engine, url, host, port, user, database, createdAt, deprovisionedAt, managed, dataDirectory, status, desiredState, recoveryWindow, walSlot
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(engine, forKey: .engine)
        try container.encode(url, forKey: .url)
        try container.encode(host, forKey: .host)
        try container.encode(port, forKey: .port)
        try container.encode(user, forKey: .user)
        try container.encode(database, forKey: .database)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(deprovisionedAt, forKey: .deprovisionedAt)
        try container.encode(managed, forKey: .managed)
        try container.encode(dataDirectory, forKey: .dataDirectory)
        try container.encode(status?.rawValue, forKey: .status)
        try container.encode(desiredState, forKey: .desiredState)
        try container.encode(walSlot, forKey: .walSlot)
        if let recoveryWindow { try container.encode(recoveryWindow, forKey: .recoveryWindow) }
    }
}

/// `db create`'s answer: the database as ``DatabaseRepresentation`` shows it, with the URL
/// holding the password (shown this once) and the plan made.
package struct CreatedInstanceRepresentation: Encodable, Sendable {
    var database: DatabaseRepresentation
    var url: String
    var plan: PlanRecord?

    package init(_ created: CreatedInstance, status: InstanceStatus?) {
        database = DatabaseRepresentation(created.database, status: status)
        url = created.url.revealed
        plan = created.plan
    }

    package func encode(to encoder: any Encoder) throws {
        try database.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        // Replaces the redacted URL of the representation.
        try container.encode(url, forKey: .url)
        if let plan { try container.encode(PlanRepresentation(plan), forKey: .plan) }
    }

    private enum Keys: String, CodingKey { case url, plan }
}
