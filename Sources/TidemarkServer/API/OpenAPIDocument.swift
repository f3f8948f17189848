import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

/// `/api/v1/openapi.json`, generated from the route table (every registered route is in it by
/// construction) and the schemas below, which `OpenAPITests` checks against real responses.
enum OpenAPIDocument {
    static func build(routes: [RouteDoc], version: String) throws -> Data {
        var paths: [String: [String: Any]] = [:]
        for route in routes {
            var operation: [String: Any] = [
                "summary": route.summary,
                "operationId": operationID(route),
                "responses": responses(route),
            ]
            let parameters = pathParameters(route.path) + route.query.map(queryParameter)
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if let body = route.body {
                operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": ref(body)]]]
            }
            if route.role == nil {
                operation["security"] = [[String: Any]]()
            } else {
                operation["x-required-role"] = route.role?.rawValue
            }
            paths[route.path, default: [:]][route.method.rawValue.lowercased()] = operation
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "Tidemark API",
                "version": version,
                "description": "Backups, restores and schedules of the Tidemark control plane. Bearer tokens: viewer reads, admin acts. Errors are {\"error\":{\"code\",\"message\",\"hint\"}}. Lists of backups and operations are paginated with limit and cursor.",
            ],
            "servers": [["url": "/api/v1"]],
            "security": [["bearer": [String]()]],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": schemas,
            ],
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    private static func operationID(_ route: RouteDoc) -> String {
        let words = route.path.split(separator: "/").map { $0.hasPrefix("{") ? "By" + $0.dropFirst().dropLast().capitalized : $0.capitalized }
        return route.method.rawValue.lowercased() + words.joined()
    }

    /// Path parameters: names of things follow the name rule, ids the id alphabet; anything
    /// else is answered 404 (no such thing), which the pattern documents.
    private static func pathParameters(_ path: String) -> [[String: Any]] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map {
            let name = String($0.dropFirst().dropLast())
            let pattern = name == "id" ? idPattern : NameRule.pattern
            return ["name": name, "in": "path", "required": true, "schema": ["type": "string", "pattern": pattern]]
        }
    }

    /// Backup and operation ids (12 hex digits as Tidemark makes them; any such token is looked up).
    static let idPattern = "^[A-Za-z0-9_-]{1,64}$"

    private static func queryParameter(_ query: QueryParameterDoc) -> [String: Any] {
        var schema: [String: Any] = ["type": query.type]
        if let values = query.values { schema["enum"] = values }
        if let minimum = query.minimum { schema["minimum"] = minimum }
        if let maximum = query.maximum { schema["maximum"] = maximum }
        if let pattern = query.pattern { schema["pattern"] = pattern }
        return ["name": query.name, "in": "query", "required": false, "description": query.description, "schema": schema]
    }

    private static func responses(_ route: RouteDoc) -> [String: Any] {
        var success: [String: Any] = ["description": route.summary]
        if let response = route.response {
            var content: [String: Any] = ["application/json": ["schema": ref(response)]]
            if route.streams { content["application/x-ndjson"] = ["schema": ref("OperationEvent")] }
            success["content"] = content
        }
        var result: [String: Any] = ["\(route.status.code)": success]
        func error(_ description: String) -> [String: Any] {
            ["description": description, "content": ["application/json": ["schema": ref("Error")]]]
        }
        result["400"] = error("the request cannot be used as sent (malformed JSON or query, unknown or null field)")
        result["404"] = error("the named thing does not exist")
        result["405"] = error("the path exists but not with this method (the Allow header lists its methods)")
        result["409"] = error("a conflict with the current state (name taken, backup in progress, confirmation required)")
        result["413"] = error("the request body is larger than 1 MiB")
        result["422"] = error("a value the control plane refuses (invalid name, cron, policy, credentials)")
        result["500"] = error("internal error; the message quotes a reference the server log repeats")
        result["502"] = error("storage or a database tool failed")
        result["503"] = error("a server or endpoint could not be reached; retry later")
        if route.role != nil {
            result["401"] = error("no or unknown bearer token")
            result["403"] = error("the token's role does not allow this")
        }
        return result
    }

    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }

    // MARK: Schemas

    private static var string: [String: Any] { ["type": "string"] }
    /// A name by `NameRule` (storages, databases, policies, restore targets, tokens, webhooks).
    private static var name: [String: Any] { ["type": "string", "pattern": NameRule.pattern] }
    /// A retention count.
    private static var count: [String: Any] { ["type": "integer", "minimum": 0, "maximum": 100_000] }
    /// A retention `within` duration.
    private static var duration: [String: Any] {
        ["type": "string", "pattern": "^(0|([0-9]{1,6}(w|d|h|min|s))+)$", "description": "a duration such as 2d, 36h, 1w, 90min; \"0\" removes the rule"]
    }
    private static var nullableString: [String: Any] { ["type": ["string", "null"]] }
    private static var time: [String: Any] { ["type": "string", "format": "date-time"] }
    private static var nullableTime: [String: Any] { ["type": ["string", "null"], "format": "date-time"] }
    private static var integer: [String: Any] { ["type": "integer"] }
    private static var nullableInteger: [String: Any] { ["type": ["integer", "null"]] }
    private static var boolean: [String: Any] { ["type": "boolean"] }

    private static func object(_ properties: [String: Any], required: [String]? = nil, closed: Bool = false) -> [String: Any] {
        var schema: [String: Any] = ["type": "object", "properties": properties, "required": required ?? properties.keys.sorted()]
        if closed { schema["additionalProperties"] = false }
        return schema
    }

    /// A restore names its backup, or with `at` the database whose newest reaching base backup
    /// is taken; never both.
    private static func restoreCreate(_ properties: [String: Any], closed: Bool) -> [String: Any] {
        var schema = object(properties, required: ["newName"], closed: closed)
        schema["oneOf"] = [
            ["required": ["backupId"], "not": ["required": ["database"]]],
            ["required": ["database", "at"], "not": ["required": ["backupId"]]],
        ]
        return schema
    }

    private static func array(_ item: String) -> [String: Any] { ["type": "array", "items": ref(item)] }

    private static func page(_ item: String) -> [String: Any] {
        object(["items": array(item), "nextCursor": nullableString])
    }

    private static var webhookEvent: [String: Any] {
        ["type": "string", "enum": WebhookEvent.allCases.filter { $0 != .test }.map(\.rawValue)]
    }

    private static var errorInfo: [String: Any] {
        [
            "type": ["object", "null"],
            "properties": ["code": string, "message": string, "hint": nullableString],
            "required": ["code", "message"],
        ]
    }

    /// A restore test's result (`RestoreTestResult`), as in a backup's `lastTest`.
    static var restoreTest: [String: Any] {
        let nullableInt64: [String: Any] = ["type": ["integer", "null"]]
        return object(
            [
                "backupId": string, "operationId": string, "startedAt": time, "finishedAt": time, "passed": boolean,
                "target": ["type": "string", "description": "the scratch database (or file) restored into and dropped"],
                "phases": [
                    "type": "array", "description": "wall time per phase (restore, compare, drop); their sum is the measured restore time",
                    "items": object(["name": string, "seconds": ["type": "number"]], required: ["name", "seconds"]),
                ],
                "bytesRestored": integer, "tablesChecked": integer,
                "mismatches": [
                    "type": "array", "description": "tables that differ from the manifest (missing, extra, other row count or contents)",
                    "items": object(
                        ["table": string, "expectedRows": nullableInt64, "actualRows": nullableInt64, "expectedDigest": nullableString, "actualDigest": nullableString, "problem": string],
                        required: ["table", "expectedRows", "actualRows", "expectedDigest", "actualDigest", "problem"]
                    ),
                ],
                "error": errorInfo,
            ],
            required: ["backupId", "operationId", "startedAt", "finishedAt", "passed", "target", "phases", "bytesRestored", "tablesChecked", "mismatches", "error"]
        )
    }

    /// The schemas of every documented body. Response objects list all their keys as required:
    /// the representations always write every key (null when absent).
    static var schemas: [String: Any] {
    [
        "Error": object(["error": object(["code": string, "message": string, "hint": string], required: ["code", "message", "hint"])]),
        "Backup": object(
            [
                "id": string, "database": string, "storage": string,
                "status": ["type": "string", "enum": ["pending", "running", "completed", "failed"]],
                "trigger": ["type": "string", "enum": ["automatic", "manual", "final", "copy"]],
                "method": ["type": "string", "enum": ["logical", "physical"]],
                "engine": string, "serverVersion": nullableString, "startedAt": time, "finishedAt": nullableTime,
                "durationSeconds": ["type": ["number", "null"]], "logicalBytes": integer, "storedBytes": integer,
                "expiresAt": nullableTime, "error": errorInfo, "operationId": nullableString,
                "copyOf": ["type": ["string", "null"], "description": "for a copy (trigger copy): the id of the backup it was copied from"],
                "lastTest": [
                    "description": "the backup's last restore test (backup test); null when never tested",
                    "oneOf": [restoreTest, ["type": "null"]],
                ],
                "databases": [
                    "type": "array",
                    "description": "only in GET /backups/{id}",
                    "items": object([
                        "name": string, "bytes": integer,
                        "tables": [
                            "type": "array",
                            "items": object(
                                ["schema": string, "name": string, "bytes": integer, "rows": integer, "rowsAreEstimates": ["type": "boolean", "description": "physical backups: rows is the planner's estimate (-1 unknown)"]],
                                required: ["schema", "name", "bytes", "rows"]
                            ),
                        ],
                    ]),
                ],
                "physical": [
                    "description": "only in GET /backups/{id}; null for logical backups",
                    "oneOf": [
                        object([
                            "startLSN": string, "stopLSN": string, "startedAt": nullableTime, "stoppedAt": time, "timeline": integer,
                            "systemIdentifier": string, "dataChecksums": boolean, "walSegmentSize": integer, "includesWAL": boolean,
                            "backupLabel": string, "files": integer,
                        ], required: ["startLSN", "stopLSN", "stoppedAt", "timeline", "systemIdentifier", "dataChecksums", "walSegmentSize", "includesWAL", "backupLabel", "files"]),
                        ["type": "null"],
                    ],
                ],
                "warnings": [
                    "type": "array", "items": string,
                    "description": "only in GET /backups/{id}: what the dump warned about (e.g. a MariaDB table not made consistent by --single-transaction); empty when nothing",
                ],
            ],
            required: ["id", "database", "storage", "status", "trigger", "method", "engine", "serverVersion", "startedAt", "finishedAt", "durationSeconds", "logicalBytes", "storedBytes", "expiresAt", "error", "operationId", "copyOf", "lastTest"]
        ),
        "BackupPage": page("Backup"),
        "Operation": object([
            "id": string,
            "kind": ["type": "string", "enum": OperationKind.allCases.map(\.rawValue)],
            "status": ["type": "string", "enum": ["pending", "running", "completed", "failed", "cancelled"]],
            "step": string, "attempt": integer, "maxAttempts": integer, "retryable": boolean, "lastError": errorInfo,
            "database": nullableString, "backupId": nullableString, "summary": string, "createdAt": time,
            "startedAt": nullableTime, "finishedAt": nullableTime,
            "progress": object(
                ["bytesRead": integer, "bytesStored": integer, "tablesDone": integer, "tablesTotal": nullableInteger, "bytesTotal": nullableInteger]
            ),
            "result": ["type": ["object", "null"], "additionalProperties": string, "description": "null until the operation completes"],
            "notBefore": nullableTime, "leaseOwner": nullableString, "leaseExpiresAt": nullableTime,
            "etaSeconds": ["type": ["number", "null"]],
            "attempts": [
                "type": "array",
                "description": "every attempt that ended, oldest first",
                "items": object([
                    "number": integer, "startedAt": nullableTime, "finishedAt": time,
                    "outcome": ["type": "string", "enum": ["completed", "failed", "retry", "cancelled", "interrupted", "worker-lost"]],
                    "step": string, "error": errorInfo,
                ]),
            ],
        ]),
        "OperationPage": page("Operation"),
        "LogLine": object(["sequence": integer, "time": time, "level": string, "message": string]),
        "LogLineList": ["type": "array", "items": ref("LogLine")],
        "OperationEvent": object(
            ["type": ["type": "string", "enum": ["log", "update", "finished"]], "line": ref("LogLine"), "operation": ref("Operation")],
            required: ["type"]
        ),
        "Storage": object(
            [
                "name": string, "kind": ["type": "string", "enum": ["local", "s3"]], "location": string, "repositoryId": string, "createdAt": time,
                "s3": object(["endpoint": string, "bucket": string, "prefix": string, "region": string, "pathStyle": boolean, "accessKeyId": string, "checksumHeaders": boolean, "secretAccessKeyStored": boolean]),
            ],
            required: ["name", "kind", "location", "repositoryId", "createdAt"]
        ),
        "StorageList": ["type": "array", "items": ref("Storage")],
        "StorageCreate": object(
            [
                "name": name,
                "local": object(["path": ["type": "string", "pattern": "^/", "description": "an absolute directory path"]], closed: true),
                "s3": object(
                    ["endpoint": string, "bucket": string, "prefix": string, "region": string, "pathStyle": boolean, "accessKeyId": string, "secretAccessKey": ["type": "string", "writeOnly": true], "checksumHeaders": boolean],
                    required: ["endpoint", "bucket", "accessKeyId", "secretAccessKey"], closed: true
                ),
            ],
            required: ["name"], closed: true
        ),
        "ConnectionTestReport": object(
            [
                "location": string,
                "steps": ["type": "array", "items": object(["operation": string, "result": string, "detail": string, "milliseconds": nullableInteger], required: ["operation", "result", "detail"])],
                "failure": ["type": ["object", "null"]],
            ],
            required: ["location", "steps"]
        ),
        "Database": object(
            [
            "id": ["type": "string", "description": "stable id, carried by every manifest (storage attach matches on it)"],
            "name": string, "engine": string,
            "url": ["type": "string", "description": "connection URL without the password (with it only in the answer of creating a managed instance)"],
            "host": string, "port": integer, "user": string, "database": string, "createdAt": time, "deprovisionedAt": nullableTime,
            "managed": boolean, "dataDirectory": nullableString,
            "status": ["oneOf": [["type": "string", "enum": ["running", "stopped", "missing"]], ["type": "null"]], "description": "managed instances only"],
            "desiredState": ["oneOf": [["type": "string", "enum": ["running", "stopped"]], ["type": "null"]]],
            "walSlot": ["oneOf": [["type": "string"], ["type": "null"]], "description": "external servers whose plan archives: the replication slot serve streams WAL from"],
            "plan": ["allOf": [ref("Plan")], "description": "only in the answer of creating a managed instance"],
            "recoveryWindow": ["type": "array", "items": ref("RecoveryRange"), "description": "only in GET /databases/{name}: restorable ranges per timeline"],
            ],
            required: ["id", "name", "engine", "url", "host", "port", "user", "database", "createdAt", "deprovisionedAt", "managed", "dataDirectory", "status", "desiredState", "walSlot"]
        ),
        "DatabaseList": ["type": "array", "items": ref("Database")],
        "DatabaseCreate": object(
            [
                "name": name, "engine": ["type": "string", "enum": ["postgres"]],
                "url": ["type": "string", "writeOnly": true, "description": "an external server; leave out with managed"],
                "managed": ["type": "boolean", "description": "true: create a managed PostgreSQL instance on the host (needs no url)"],
                "port": ["type": "integer", "minimum": 1024, "maximum": 65535, "description": "managed instances only; default a free one"],
                "plan": boolean, "storage": name, "schedule": ["type": "string", "maxLength": 200], "policy": name,
                "method": ["type": "string", "enum": ["logical", "physical"]],
                "pitr": ["type": "boolean", "description": "continuous WAL archiving; for an external server serve streams WAL over a replication slot (the role needs REPLICATION); implies method physical"],
            ],
            required: ["name"], closed: true
        ),
        "Deprovision": object(["database": ref("Database"), "finalBackup": ["oneOf": [ref("Backup"), ["type": "null"]]], "operationId": string]),
        "Plan": object(
            [
                "database": string, "storage": string, "schedule": string, "policy": string, "method": string, "paused": boolean, "pitr": boolean,
                "copyTo": ["type": ["string", "null"], "description": "storage every completed backup is copied to"],
                "nextRunAt": nullableTime, "lastRunAt": nullableTime, "upcomingRuns": ["type": "array", "items": time],
                "recoveryWindow": ["type": "array", "items": ref("RecoveryRange"), "description": "only in GET /plans/{database}: restorable ranges per timeline"],
            ],
            required: ["database", "storage", "schedule", "policy", "method", "paused", "pitr", "copyTo", "nextRunAt", "lastRunAt"]
        ),
        "RecoveryRange": object(
            ["timeline": ["type": "integer", "minimum": 1], "earliest": time, "latest": time],
            required: ["timeline", "earliest", "latest"]
        ),
        "PlanList": ["type": "array", "items": ref("Plan")],
        "PlanChange": object(
            ["storage": name, "schedule": ["type": "string", "maxLength": 200, "description": "six-field cron, @hourly/@daily/…, optionally prefixed TZ=Zone"], "policy": name, "method": ["type": "string", "enum": ["logical", "physical"]],
             "pitr": ["type": "boolean", "description": "continuous WAL archiving (physical plans of managed instances)"],
             "copyTo": ["type": "string", "maxLength": 63, "description": "storage every completed backup is copied to; empty to stop copying"]],
            required: [], closed: true
        ),
        "Policy": object([
            "name": string, "last": integer, "hourly": integer, "daily": integer, "weekly": integer, "monthly": integer, "yearly": integer,
            "within": ["type": ["string", "null"], "description": "keep everything younger than this, e.g. 1d"], "days": nullableInteger, "keepFinal": boolean,
            "pitrDays": ["type": ["integer", "null"], "description": "days of point-in-time recovery kept (null: 1)"],
        ]),
        "PolicyList": ["type": "array", "items": ref("Policy")],
        "PolicyChange": object(
            [
                "last": count, "hourly": count, "daily": count, "weekly": count, "monthly": count, "yearly": count,
                "within": duration, "days": ["type": "integer", "minimum": 1, "maximum": 100_000],
                "keepFinal": boolean, "pitrDays": ["type": "integer", "minimum": 1, "maximum": 100_000], "dryRun": boolean, "confirm": boolean,
            ],
            required: [], closed: true
        ),
        "RetentionDecision": object(["backupId": string, "database": string, "storage": string, "trigger": string, "startedAt": time, "keep": boolean, "reason": string, "expiresAt": nullableTime]),
        "PolicyUpdate": object(["policy": ref("Policy"), "saved": boolean, "deletions": array("RetentionDecision"), "walDeletions": array("WALDeletion"), "retentionOperationId": nullableString]),
        "WALDeletion": object(["database": string, "files": integer, "bytes": integer], required: ["database", "files", "bytes"]),
        "PolicyDetails": object(["policy": ref("Policy"), "databases": ["type": "array", "items": string], "decisions": array("RetentionDecision")]),
        "BackupCreate": object(
            ["database": name, "storage": name, "method": ["type": "string", "enum": ["logical", "physical"], "description": "default: the plan's; physical needs a managed instance"]],
            required: ["database"], closed: true
        ),
        "Verify": object(["readData": boolean], required: [], closed: true),
        "Copy": object(["storage": name], required: ["storage"], closed: true),
        "Prune": object(
            ["olderThanDays": ["type": "integer", "minimum": PruneRequest.days.lowerBound, "maximum": PruneRequest.days.upperBound, "description": "default \(PruneRequest.defaultDays)"]],
            required: [], closed: true
        ),
        "RestoreCreate": restoreCreate(
            [
                "backupId": ["type": "string", "pattern": idPattern], "newName": name,
                "database": ["allOf": [name], "description": "with 'at' instead of backupId: the newest base backup that reaches the moment"],
                "at": [
                    "anyOf": [["type": "string", "enum": ["latest"]], ["type": "string", "format": "date-time"]],
                    "description": "'latest' or an ISO 8601 time with offset: recover to that moment (physical backups of archiving databases)",
                ],
                "table": ["type": "string", "pattern": "^[^.]+(\\.[^.]+)?$", "maxLength": 127, "description": "SCHEMA.TABLE, or a table of public"],
                "skipMissingForeignKeys": boolean, "skipMissingSequences": boolean, "skipMissingViews": boolean,
            ],
            closed: true
        ),
        "Token": object(["name": string, "role": ["type": "string", "enum": ["admin", "viewer"]], "createdAt": time, "lastUsedAt": nullableTime]),
        "TokenList": ["type": "array", "items": ref("Token")],
        "TokenCreate": object(["name": name, "role": ["type": "string", "enum": ["admin", "viewer"]]], closed: true),
        "CreatedToken": object(["name": string, "role": string, "createdAt": time, "token": ["type": "string", "description": "shown once"]]),
        "Webhook": object([
            "name": string, "url": string, "events": ["type": "array", "items": webhookEvent, "description": "empty: every event"],
            "database": nullableString, "signed": boolean, "createdAt": time,
        ]),
        "WebhookList": ["type": "array", "items": ref("Webhook")],
        "WebhookCreate": object(
            ["name": name, "url": ["type": "string", "pattern": "^https?://"], "events": ["type": "array", "items": webhookEvent], "database": name, "secret": ["type": "string", "writeOnly": true]],
            required: ["name", "url"], closed: true
        ),
        "WebhookDelivery": object([
            "id": string, "webhook": string, "event": string, "status": ["type": "string", "enum": WebhookDeliveryStatus.allCases.map(\.rawValue)],
            "attempts": integer, "nextAttemptAt": nullableTime, "lastError": nullableString, "createdAt": time, "deliveredAt": nullableTime,
        ]),
        "WebhookDeliveryList": ["type": "array", "items": ref("WebhookDelivery")],
    ]
    }
}
