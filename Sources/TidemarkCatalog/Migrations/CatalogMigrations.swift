/// The catalog schema, as an ordered list of migrations.
///
/// Each migration runs once, in a transaction, and bumps `PRAGMA user_version`; released
/// migrations are never edited, only appended to.
package enum CatalogMigrations {
    package static let all: [String] = [
        """
        CREATE TABLE storages (
            name TEXT PRIMARY KEY,
            settings TEXT NOT NULL,
            repository_id TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE TABLE databases (
            name TEXT PRIMARY KEY,
            engine TEXT NOT NULL,
            connection TEXT NOT NULL,
            sealed_password BLOB,
            created_at REAL NOT NULL,
            deprovisioned_at REAL
        );
        CREATE TABLE backups (
            id TEXT PRIMARY KEY,
            database TEXT NOT NULL,
            storage TEXT NOT NULL,
            status TEXT NOT NULL,
            trigger TEXT NOT NULL,
            method TEXT NOT NULL,
            engine TEXT NOT NULL,
            server_version TEXT,
            started_at REAL NOT NULL,
            finished_at REAL,
            logical_bytes INTEGER NOT NULL DEFAULT 0,
            stored_bytes INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            operation_id TEXT,
            contents TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX backups_by_database ON backups (database, started_at DESC);
        CREATE INDEX backups_by_status ON backups (status, started_at DESC);
        CREATE TABLE operations (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            step TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            max_attempts INTEGER NOT NULL,
            retryable INTEGER NOT NULL,
            last_error TEXT,
            database TEXT,
            backup_id TEXT,
            summary TEXT NOT NULL,
            created_at REAL NOT NULL,
            started_at REAL,
            finished_at REAL,
            progress TEXT NOT NULL,
            result TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX operations_by_status ON operations (status, created_at DESC);
        CREATE TABLE operation_logs (
            operation_id TEXT NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            time REAL NOT NULL,
            level TEXT NOT NULL,
            message TEXT NOT NULL
        );
        CREATE INDEX operation_logs_by_operation ON operation_logs (operation_id, sequence);
        """,
        // S3 storages: the secret access key, sealed like database passwords.
        """
        ALTER TABLE storages ADD COLUMN sealed_secret BLOB;
        """,
        // The control plane (issue 4): plans, retention policies, queued operations with leases.
        """
        CREATE TABLE policies (
            name TEXT PRIMARY KEY,
            daily INTEGER NOT NULL,
            monthly INTEGER NOT NULL,
            yearly INTEGER NOT NULL,
            days INTEGER,
            keep_final INTEGER NOT NULL
        );
        INSERT INTO policies (name, daily, monthly, yearly, days, keep_final) VALUES ('default', 30, 12, 6, NULL, 1);
        CREATE TABLE plans (
            database TEXT PRIMARY KEY,
            storage TEXT NOT NULL,
            schedule TEXT NOT NULL,
            policy TEXT NOT NULL,
            method TEXT NOT NULL,
            paused INTEGER NOT NULL DEFAULT 0,
            next_run_at REAL,
            last_run_at REAL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX plans_due ON plans (next_run_at) WHERE paused = 0;
        ALTER TABLE operations ADD COLUMN parameters TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE operations ADD COLUMN not_before REAL;
        ALTER TABLE operations ADD COLUMN lease_owner TEXT;
        ALTER TABLE operations ADD COLUMN lease_expires_at REAL;
        ALTER TABLE operations ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX operations_by_database ON operations (database, kind, status);
        CREATE INDEX operations_running ON operations (status, lease_expires_at)
        """,
        // 4: API tokens (hashes only), and indexes that end in the id so keyset
        // pages (ORDER BY time DESC, id) are read straight from an index.
        """
        CREATE TABLE tokens (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            last_used_at REAL
        );
        DROP INDEX backups_by_database;
        DROP INDEX backups_by_status;
        CREATE INDEX backups_by_database ON backups (database, started_at DESC, id);
        CREATE INDEX backups_by_status ON backups (status, started_at DESC, id);
        CREATE INDEX backups_by_time ON backups (started_at DESC, id);
        DROP INDEX operations_by_status;
        CREATE INDEX operations_by_status ON operations (status, created_at DESC, id);
        CREATE INDEX operations_by_time ON operations (created_at DESC, id)
        """,
        // 5: webhooks (secret sealed), their delivery queue, and sent-once notices.
        """
        CREATE TABLE webhooks (
            name TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            events TEXT NOT NULL,
            database TEXT,
            sealed_secret BLOB,
            created_at REAL NOT NULL
        );
        CREATE TABLE webhook_deliveries (
            id TEXT PRIMARY KEY,
            webhook TEXT NOT NULL REFERENCES webhooks (name) ON DELETE CASCADE,
            event TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at REAL NOT NULL,
            last_error TEXT,
            created_at REAL NOT NULL,
            delivered_at REAL
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
        CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook, created_at DESC);
        CREATE TABLE notices (
            key TEXT PRIMARY KEY,
            sent_at REAL NOT NULL
        )
        """,
        // 6: retention's verdict per backup, written when retention evaluates, read by lists.
        """
        ALTER TABLE backups ADD COLUMN expires_at REAL;
        ALTER TABLE backups ADD COLUMN expiry_evaluated INTEGER NOT NULL DEFAULT 0
        """,
        // 7: at most one queued or running backup per database, enforced by the catalog itself
        // (a check followed by an insert let two CLI backups run at once). Duplicates a race
        // already made are cancelled first, keeping the oldest.
        """
        UPDATE operations SET status = 'cancelled', step = 'cancelled by catalog upgrade', lease_owner = NULL, lease_expires_at = NULL,
            finished_at = (julianday('now') - 2440587.5) * 86400.0,
            last_error = '{"code":"operation-cancelled","message":"cancelled by the catalog upgrade: another backup of this database was queued or running at the same time"}'
        WHERE kind = 'backup' AND status IN ('pending', 'running') AND database IS NOT NULL AND id NOT IN (
            SELECT id FROM (
                SELECT id, row_number() OVER (PARTITION BY database ORDER BY created_at, id) AS position
                FROM operations WHERE kind = 'backup' AND status IN ('pending', 'running') AND database IS NOT NULL)
            WHERE position = 1);
        UPDATE backups SET status = 'failed', finished_at = coalesce(finished_at, (julianday('now') - 2440587.5) * 86400.0)
        WHERE status IN ('pending', 'running') AND operation_id IN (SELECT id FROM operations WHERE step = 'cancelled by catalog upgrade');
        CREATE UNIQUE INDEX operations_one_active_backup ON operations (database) WHERE kind = 'backup' AND status IN ('pending', 'running')
        """,
        // 8: ids of purged backups, so no later write (a retried operation) brings one back.
        """
        CREATE TABLE purged_backups (
            id TEXT PRIMARY KEY,
            purged_at REAL NOT NULL
        )
        """,
        // 9: each operation's attempt history (outcome and error per attempt).
        """
        ALTER TABLE operations ADD COLUMN attempts TEXT NOT NULL DEFAULT '[]'
        """,
        // 10: the retention tiers of restic and Databasus (last, hourly, weekly, within). The
        // default policy, when still at its original 30/12/6, keeps everything of the last day
        // and 24 hourly backups, so an hourly schedule no longer keeps one backup a day.
        """
        ALTER TABLE policies ADD COLUMN last INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE policies ADD COLUMN hourly INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE policies ADD COLUMN weekly INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE policies ADD COLUMN within_seconds REAL;
        UPDATE policies SET hourly = 24, within_seconds = 86400
        WHERE name = 'default' AND daily = 30 AND monthly = 12 AND yearly = 6 AND days IS NULL
        """,
        // 11: operation requests are typed JSON (version 2); rows written before stay
        // version 1, a flat object of strings, which the jobs still read.
        """
        ALTER TABLE operations ADD COLUMN request_version INTEGER NOT NULL DEFAULT 1
        """,
        // 12: managed instances (SPEC §4.7): data directory, port and desired state as JSON,
        // NULL for external servers; a physical backup's LSNs, timeline and system id as JSON.
        """
        ALTER TABLE databases ADD COLUMN managed TEXT;
        ALTER TABLE backups ADD COLUMN physical TEXT
        """,
        // 13: continuous WAL archiving per plan, and how many days of it a policy keeps
        // (NULL: the default, one day).
        """
        ALTER TABLE plans ADD COLUMN pitr INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE policies ADD COLUMN pitr_days INTEGER
        """,
        // 14: WAL streamed from an external server (namespace, slot, active) as JSON.
        """
        ALTER TABLE databases ADD COLUMN wal_streaming TEXT
        """,
        // 15: what a backup's dump warned about, a JSON array of strings (NULL: none).
        """
        ALTER TABLE backups ADD COLUMN warnings TEXT
        """,
        // 16: a stable database id (written into manifests; `storage attach` matches on it).
        // Existing rows get a random UUID-shaped one.
        """
        ALTER TABLE databases ADD COLUMN id TEXT;
        UPDATE databases SET id = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
        CREATE UNIQUE INDEX databases_id ON databases (id)
        """,
        // 17: a copy's source backup (NULL: not a copy); one copy of a backup per storage.
        """
        ALTER TABLE backups ADD COLUMN copy_of TEXT;
        CREATE UNIQUE INDEX backups_copy ON backups (copy_of, storage) WHERE copy_of IS NOT NULL AND status <> 'failed'
        """,
        // 18: the storage each completed backup of a plan is copied to (NULL: none).
        """
        ALTER TABLE plans ADD COLUMN copy_to TEXT
        """,
        // 19: the backup's last restore test (RestoreTestResult as JSON; NULL: never tested) and
        // the plan's test schedule (a cron expression; NULL: none).
        """
        ALTER TABLE backups ADD COLUMN last_test TEXT;
        ALTER TABLE plans ADD COLUMN test_schedule TEXT;
        ALTER TABLE plans ADD COLUMN next_test_at TEXT
        """,
    ]

    /// Applies every migration newer than the database's `user_version`.
    static func migrate(_ connection: SQLiteConnection) throws {
        let current = Int(try connection.query("PRAGMA user_version").first?["user_version"].int ?? 0)
        for (offset, migration) in all.enumerated() where offset >= current {
            try connection.transaction { run in
                for statement in migration.split(separator: ";").map({ String($0).trimmed(of: " \n") }) where !statement.isEmpty {
                    _ = try run(String(statement), [])
                }
                _ = try run("PRAGMA user_version = \(offset + 1)", [])
            }
        }
    }
}

extension String {
    fileprivate func trimmed(of set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
