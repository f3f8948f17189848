import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

/// `POST /backups`: queue a manual backup for the workers.
struct BackupCreateBody: StrictBody {
    var database: String
    var storage: String?
    /// `logical` or `physical` (managed instances); default: the plan's method.
    var method: String?
    static let fields: Set<String> = ["database", "storage", "method"]
}

/// `POST /backups/{id}/verify`.
struct VerifyBody: StrictBody {
    var readData: Bool?
    static let fields: Set<String> = ["readData"]
}

/// `POST /backups/{id}/copy`.
struct CopyBody: StrictBody {
    var storage: String
    static let fields: Set<String> = ["storage"]
}

/// `POST /restores`: restore a completed backup into a new database.
struct RestoreCreateBody: StrictBody {
    /// Required unless `database` and `at` are given.
    var backupId: String?
    /// With `at`: the newest base backup of this database that reaches the moment.
    var database: String?
    /// `latest` or an ISO 8601 time: a point-in-time restore.
    var at: String?
    var newName: String
    var table: String?
    var skipMissingForeignKeys: Bool?
    var skipMissingSequences: Bool?
    var skipMissingViews: Bool?
    static let fields: Set<String> = ["backupId", "database", "at", "newName", "table", "skipMissingForeignKeys", "skipMissingSequences", "skipMissingViews"]
}

extension RouteTable {
    static let pageQuery = [
        QueryParameterDoc(name: "limit", type: "integer", description: "page size, 1-\(Paging.maxPageSize) (default 50)", minimum: 1, maximum: Paging.maxPageSize),
        QueryParameterDoc(name: "cursor", type: "string", description: "nextCursor of the previous page", pattern: ListCursor.pattern),
    ]

    mutating func addBackupRoutes(_ control: ControlPlane) {
        add(
            .get, "/backups", summary: "List backups, newest first, one page at a time", role: .viewer,
            query: [
                QueryParameterDoc(name: "database", type: "string", description: "only this database's backups", pattern: NameRule.pattern),
                QueryParameterDoc(name: "status", type: "string", description: "only backups with this status", values: BackupStatus.allCases.map(\.rawValue)),
                QueryParameterDoc(name: "deprovisioned", type: "boolean", description: "true: only deprovisioned databases' backups; false: only active ones'"),
            ] + Self.pageQuery,
            response: "BackupPage"
        ) { request, _ in
            let filter = BackupFilter(
                database: try request.query("database"),
                status: try request.queryEnum("status", as: BackupStatus.self),
                deprovisioned: try request.queryBool("deprovisioned")
            )
            let page = try await control.backups.page(matching: filter, limit: try request.pageSize(), after: try request.cursor())
            let expiries = try await control.plans.expiries(of: page.items)
            return try APIJSON.response(PageRepresentation(
                items: page.items.map { BackupRepresentation($0, includeContents: false, expiresAt: expiries[$0.id]) },
                nextCursor: page.next?.token
            ))
        }
        add(.post, "/backups", summary: "Queue a manual backup (a running serve takes it)", role: .admin, body: "BackupCreate", response: "Operation", status: .accepted) { request, context in
            let body = try await request.decodeStrict(BackupCreateBody.self, context: context)
            var method: BackupMethod?
            if let text = body.method {
                guard let value = BackupMethod(rawValue: text) else {
                    throw APIError.badRequest("invalid-field", "field 'method' must be one of \(BackupMethod.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                method = value
            }
            let operation = try await control.backups.enqueue(database: body.database, storage: body.storage, method: method)
            return try APIJSON.response(OperationRepresentation(operation), status: .accepted)
        }
        add(.get, "/backups/{id}", summary: "Show a backup with its databases and tables", role: .viewer, response: "Backup") { _, context in
            let backup = try await control.backups.get(id: try context.parameters.require("id"))
            let expiries = try await control.plans.expiries(of: [backup])
            return try APIJSON.response(BackupRepresentation(backup, includeContents: true, expiresAt: expiries[backup.id]))
        }
        add(.delete, "/backups/{id}", summary: "Queue the purge of a backup (manifest, then unreferenced data)", role: .admin, response: "Operation", status: .accepted) { _, context in
            let operation = try await control.backups.enqueuePurge(id: try context.parameters.require("id"))
            return try APIJSON.response(OperationRepresentation(operation), status: .accepted)
        }
        add(.post, "/backups/{id}/verify", summary: "Queue a verification of a completed backup", role: .admin, body: "Verify", response: "Operation", status: .accepted) { request, context in
            let body = try await request.decodeStrict(VerifyBody.self, context: context)
            let operation = try await control.backups.enqueueVerify(id: try context.parameters.require("id"), readData: body.readData ?? false)
            return try APIJSON.response(OperationRepresentation(operation), status: .accepted)
        }

        add(.post, "/backups/{id}/test", summary: "Queue a restore test of a completed logical backup: restore into a scratch database, compare with the manifest, drop it, record the result (lastTest)", role: .admin, response: "Operation", status: .accepted) { _, context in
            let operation = try await control.backups.enqueueTest(id: try context.parameters.require("id"))
            return try APIJSON.response(OperationRepresentation(operation), status: .accepted)
        }

        add(.post, "/backups/{id}/copy", summary: "Queue a copy of a completed backup to another storage (409 copy-exists when it has one there)", role: .admin, body: "Copy", response: "Operation", status: .accepted) { request, context in
            let body = try await request.decodeStrict(CopyBody.self, context: context)
            let operation = try await control.backups.enqueueCopy(id: try context.parameters.require("id"), to: body.storage)
            return try APIJSON.response(OperationRepresentation(operation), status: .accepted)
        }

        add(.post, "/restores", summary: "Queue a restore into a new database (409 target-exists when the name is taken on the server)", role: .admin, body: "RestoreCreate", response: "Operation", status: .accepted) { request, context in
            let body = try await request.decodeStrict(RestoreCreateBody.self, context: context)
            let point = try body.at.map { try RestorePoint(parsing: $0) }
            let backupID: String
            switch (body.backupId, body.database, point) {
            case (let id?, nil, _): backupID = id
            case (nil, let database?, let point?): backupID = try await control.restores.pointInTimeBackup(source: database, at: point)
            default: throw APIError.badRequest("invalid-field", "give 'backupId', or 'database' together with 'at'")
            }
            let restore = RestoreRequest(
                backupID: backupID, newName: body.newName, table: body.table,
                options: RestoreOptions(
                    skipMissingForeignKeys: body.skipMissingForeignKeys ?? false,
                    skipMissingSequences: body.skipMissingSequences ?? false,
                    skipMissingViews: body.skipMissingViews ?? false
                ),
                pointInTime: point
            )
            let operation = try await control.restores.enqueue(restore)
            return try APIJSON.response(OperationRepresentation(operation), status: .accepted)
        }
        add(.get, "/restores/{id}", summary: "Show a restore (its operation; result.url when completed)", role: .viewer, response: "Operation") { _, context in
            let id = try context.parameters.require("id")
            let operation = try await control.operations.get(id: id)
            guard operation.kind == .restore else {
                throw APIError(.notFound, code: "restore-not-found", message: "operation \(id) is a \(operation.kind.rawValue), not a restore", hint: "Use /api/v1/operations/\(id).")
            }
            return try APIJSON.response(OperationRepresentation(operation, now: control.now()))
        }
    }
}

extension Request {
    func pageSize() throws -> Int {
        try queryInt("limit", default: 50, range: 1...Paging.maxPageSize)
    }

    func cursor() throws -> ListCursor? {
        guard let text = try query("cursor") else { return nil }
        guard let cursor = ListCursor(token: text) else {
            throw APIError.badRequest("invalid-cursor", "query parameter 'cursor' is not a cursor this server issued", hint: "Pass the nextCursor of the previous page unchanged.")
        }
        return cursor
    }
}
