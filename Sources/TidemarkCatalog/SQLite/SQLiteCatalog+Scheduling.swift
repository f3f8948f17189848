package import Foundation
package import TidemarkCore

// Plans, policies, leases and the operation queue of the embedded catalog. One process at a
// time writes (SQLite's lock), so every "atomic" step below is a single statement or
// transaction; the shared PostgreSQL catalog will do the same with FOR UPDATE SKIP LOCKED.
extension SQLiteCatalog {
    // MARK: Databases

    package func markDeprovisioned(database name: String, at time: Date) async throws {
        try connection.execute("UPDATE databases SET deprovisioned_at = ? WHERE name = ?", [date(time), .text(name)])
        try connection.execute("UPDATE plans SET paused = 1, next_run_at = NULL, updated_at = ? WHERE database = ?", [date(time), .text(name)])
    }

    // MARK: Operation queue

    package func claimOperation(id: String?, owner: String, now: Date, leaseUntil: Date) async throws -> OperationRecord? {
        let only = id == nil ? "" : "AND o.id = ?4"
        let rows = try connection.query(
            """
            UPDATE operations SET status = 'running', attempt = attempt + 1, step = 'starting', finished_at = NULL,
                started_at = coalesce(started_at, ?3), lease_owner = ?1, lease_expires_at = ?2, not_before = NULL
            WHERE id = (
                SELECT o.id FROM operations o
                WHERE o.status = 'pending' AND (o.not_before IS NULL OR o.not_before <= ?3) \(only)
                  AND (o.kind <> 'backup' OR o.database IS NULL OR NOT EXISTS (
                      SELECT 1 FROM operations r
                      WHERE r.database = o.database AND r.kind = 'backup' AND r.status = 'running' AND r.id <> o.id))
                ORDER BY coalesce(o.not_before, o.created_at), o.created_at
                LIMIT 1)
            RETURNING *
            """,
            [.text(owner), date(leaseUntil), date(now)] + (id.map { [.text($0)] } ?? [])
        )
        return try rows.first.map(operationRecord)
    }

    package func renewLease(operationID: String, owner: String, until: Date) async throws -> LeaseRenewal {
        let rows = try connection.query(
            "UPDATE operations SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ? RETURNING cancel_requested",
            [date(until), .text(operationID), .text(owner)]
        )
        guard let row = rows.first else { return .lost }
        return .renewed(isCancelRequested: row["cancel_requested"].int == 1)
    }

    package func operationsWithExpiredLease(now: Date) async throws -> [OperationRecord] {
        try connection.query(
            "SELECT * FROM operations WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < ?) ORDER BY created_at",
            [date(now)]
        ).map(operationRecord)
    }

    package func takeExpiredLease(operationID: String, previousOwner: String?, now: Date) async throws -> Bool {
        let rows = try connection.query(
            """
            UPDATE operations SET lease_owner = NULL, lease_expires_at = NULL
            WHERE id = ? AND status = 'running' AND lease_owner IS ? AND (lease_expires_at IS NULL OR lease_expires_at < ?)
            RETURNING id
            """,
            [.text(operationID), previousOwner.map(SQLiteValue.text) ?? .null, date(now)]
        )
        return !rows.isEmpty
    }

    package func takeLeaseOfGoneOwner(operationID: String, previousOwner: String) async throws -> Bool {
        let rows = try connection.query(
            "UPDATE operations SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND status = 'running' AND lease_owner = ? RETURNING id",
            [.text(operationID), .text(previousOwner)]
        )
        return !rows.isEmpty
    }

    package func requestCancel(operationID: String) async throws {
        try connection.execute("UPDATE operations SET cancel_requested = 1 WHERE id = ?", [.text(operationID)])
    }

    package func activeOperation(kind: OperationKind, database: String) async throws -> OperationRecord? {
        try connection.query(
            "SELECT * FROM operations WHERE database = ? AND kind = ? AND status IN ('pending', 'running') ORDER BY created_at LIMIT 1",
            [.text(database), .text(kind.rawValue)]
        ).first.map(operationRecord)
    }

    package func databasesWithActiveBackups() async throws -> Set<String> {
        let rows = try connection.query("SELECT DISTINCT database FROM operations WHERE kind = 'backup' AND status IN ('pending', 'running') AND database IS NOT NULL")
        return Set(rows.compactMap { $0["database"].string })
    }

    // MARK: Plans

    package func savePlan(_ plan: PlanRecord) async throws {
        try connection.execute(
            """
            INSERT INTO plans (database, storage, schedule, policy, method, paused, next_run_at, last_run_at, created_at, updated_at, pitr, copy_to)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (database) DO UPDATE SET storage = excluded.storage, schedule = excluded.schedule,
                policy = excluded.policy, method = excluded.method, paused = excluded.paused, pitr = excluded.pitr, copy_to = excluded.copy_to,
                next_run_at = excluded.next_run_at, last_run_at = excluded.last_run_at, updated_at = excluded.updated_at
            """,
            [
                .text(plan.database), .text(plan.storage), .text(plan.schedule), .text(plan.policy), .text(plan.method.rawValue),
                .integer(plan.isPaused ? 1 : 0), plan.nextRunAt.map(date) ?? .null, plan.lastRunAt.map(date) ?? .null,
                date(plan.createdAt), date(plan.updatedAt), .integer(plan.pitr ? 1 : 0), plan.copyTo.map(SQLiteValue.text) ?? .null,
            ]
        )
    }

    package func plan(database: String) async throws -> PlanRecord? {
        try connection.query("SELECT * FROM plans WHERE database = ?", [.text(database)]).first.map(planRecord)
    }

    package func plans() async throws -> [PlanRecord] {
        try connection.query("SELECT * FROM plans ORDER BY database").map(planRecord)
    }

    package func duePlans(now: Date, limit: Int) async throws -> [PlanRecord] {
        try connection.query(
            """
            SELECT * FROM plans WHERE paused = 0 AND next_run_at <= ?
              AND database NOT IN (SELECT name FROM databases WHERE deprovisioned_at IS NOT NULL)
            ORDER BY next_run_at LIMIT ?
            """,
            [date(now), .integer(Int64(limit))]
        ).map(planRecord)
    }

    package func recordScheduledRuns(_ runs: [ScheduledRun]) async throws {
        guard !runs.isEmpty else { return }
        try connection.transaction { run in
            for scheduled in runs {
                if let operation = scheduled.operation {
                    // OR IGNORE: a backup queued by a command since the tick looked is kept, and
                    // this run is skipped, instead of failing the whole tick on the unique index.
                    _ = try run(Self.insertOperationSQL.replacingOccurrences(of: "INSERT INTO", with: "INSERT OR IGNORE INTO"), try insertOperationValues(operation))
                }
                _ = try run(
                    "UPDATE plans SET next_run_at = ?, last_run_at = ? WHERE database = ?",
                    [scheduled.nextRunAt.map(date) ?? .null, date(scheduled.dueAt), .text(scheduled.database)]
                )
            }
            return ()
        }
    }

    private func planRecord(_ row: SQLiteRow) throws -> PlanRecord {
        var plan = PlanRecord(
            database: row["database"].string ?? "",
            storage: row["storage"].string ?? "",
            schedule: row["schedule"].string ?? "",
            policy: row["policy"].string ?? RetentionPolicy.defaultName,
            method: BackupMethod(rawValue: row["method"].string ?? "") ?? .logical,
            isPaused: row["paused"].int == 1,
            pitr: row["pitr"].int == 1,
            nextRunAt: dateValue(row["next_run_at"]),
            lastRunAt: dateValue(row["last_run_at"]),
            createdAt: dateValue(row["created_at"]) ?? Date(timeIntervalSince1970: 0),
            updatedAt: dateValue(row["updated_at"]) ?? Date(timeIntervalSince1970: 0)
        )
        plan.copyTo = row["copy_to"].string
        return plan
    }

    // MARK: Policies

    package func savePolicy(_ policy: RetentionPolicy) async throws {
        try connection.execute(
            """
            INSERT INTO policies (name, last, hourly, daily, weekly, monthly, yearly, within_seconds, days, keep_final, pitr_days)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET last = excluded.last, hourly = excluded.hourly, daily = excluded.daily,
                weekly = excluded.weekly, monthly = excluded.monthly, yearly = excluded.yearly,
                within_seconds = excluded.within_seconds, days = excluded.days, keep_final = excluded.keep_final,
                pitr_days = excluded.pitr_days
            """,
            [
                .text(policy.name), .integer(Int64(policy.last)), .integer(Int64(policy.hourly)), .integer(Int64(policy.daily)),
                .integer(Int64(policy.weekly)), .integer(Int64(policy.monthly)), .integer(Int64(policy.yearly)),
                policy.within.map(SQLiteValue.real) ?? .null, policy.days.map { .integer(Int64($0)) } ?? .null,
                .integer(policy.keepsFinal ? 1 : 0), policy.pitrDays.map { .integer(Int64($0)) } ?? .null,
            ]
        )
    }

    package func policy(named name: String) async throws -> RetentionPolicy? {
        try connection.query("SELECT * FROM policies WHERE name = ?", [.text(name)]).first.map(policyRecord)
    }

    package func policies() async throws -> [RetentionPolicy] {
        try connection.query("SELECT * FROM policies ORDER BY name").map(policyRecord)
    }

    private func policyRecord(_ row: SQLiteRow) -> RetentionPolicy {
        RetentionPolicy(
            name: row["name"].string ?? "",
            last: Int(row["last"].int ?? 0),
            hourly: Int(row["hourly"].int ?? 0),
            daily: Int(row["daily"].int ?? 0),
            weekly: Int(row["weekly"].int ?? 0),
            monthly: Int(row["monthly"].int ?? 0),
            yearly: Int(row["yearly"].int ?? 0),
            within: row["within_seconds"].double,
            days: row["days"].int.map { Int($0) },
            keepsFinal: row["keep_final"].int == 1,
            pitrDays: row["pitr_days"].int.map { Int($0) }
        )
    }
}
