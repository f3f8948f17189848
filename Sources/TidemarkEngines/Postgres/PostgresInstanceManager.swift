import Foundation
package import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// Managed PostgreSQL instances on this host (SPEC §4.7), run with the server programs of
/// `PostgresTools`.
///
/// Layout: the instance directory (e.g. `<home>/instances/shop`) holds `data/` (PGDATA) and
/// `server.log`. PostgreSQL refuses to run as root, so when Tidemark runs as root the
/// directory belongs to the `postgres` system user and the programs run through `runuser`.
/// TCP is loopback only with SCRAM; the Unix socket lives in the data directory (mode 0700),
/// where only the instance's owner (and root) can reach it, and the manager itself connects
/// there, so it never needs the password.
package struct PostgresInstanceManager: InstanceManager {
    let runner: any ProcessRunner
    let tools: PostgresTools
    /// True when programs run as the `postgres` system user (Tidemark runs as root).
    private let asPostgresUser: Bool

    package init(runner: any ProcessRunner, tools: PostgresTools) {
        self.runner = runner
        self.tools = tools
        self.asPostgresUser = getuid() == 0
    }

    /// The file Tidemark writes its settings to, included from `postgresql.conf`.
    static let settingsFile = "tidemark.conf"

    package func create(_ instance: ManagedInstance, password: Secret<String>, database: String) async throws {
        let directory = Self.instanceDirectory(of: instance)
        try checkSocketPath(instance)
        try prepare(directory: directory)
        do {
            let passwordFile = "\(directory)/.pwfile"
            try writeOwned(password.revealed + "\n", to: passwordFile)
            defer { try? FileManager.default.removeItem(atPath: passwordFile) }
            try await runTool("initdb", [
                "-D", instance.dataDirectory, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                "--pwfile=\(passwordFile)", "-E", "UTF8", "--locale=C", "--data-checksums",
            ], failure: .toolNotFound)
            try configure(instance)
            try await start(instance)
            try await execute("CREATE DATABASE :\"name\";", on: instance, variables: ["name": database])
        } catch {
            try? await remove(instance)
            throw error
        }
    }

    package func start(_ instance: ManagedInstance) async throws {
        switch await status(of: instance) {
        case .running: return
        case .missing: throw EngineError(.databaseNotFound, "the data directory \(instance.dataDirectory) of this managed instance is missing")
        case .stopped: break
        }
        // A postmaster killed with -9 leaves postmaster.pid; pg_ctl start handles a stale one
        // itself (it checks whether the pid is alive).
        try await runTool("pg_ctl", [
            "-D", instance.dataDirectory, "-l", "\(Self.instanceDirectory(of: instance))/server.log", "-w", "-t", "120", "start",
        ], failure: .databaseUnreachable)
    }

    package func stop(_ instance: ManagedInstance) async throws {
        guard await status(of: instance) == .running else { return }
        try await runTool("pg_ctl", ["-D", instance.dataDirectory, "-m", "fast", "-w", "-t", "120", "stop"], failure: .databaseUnreachable)
    }

    package func status(of instance: ManagedInstance) async -> InstanceStatus {
        guard FileManager.default.fileExists(atPath: "\(instance.dataDirectory)/PG_VERSION") else { return .missing }
        // pg_ctl status: 0 running, 3 not running, 4 no data directory.
        guard let outcome = try? await runner.run(command("pg_ctl", ["-D", instance.dataDirectory, "status"])) else { return .stopped }
        return outcome.exitCode == 0 ? .running : .stopped
    }

    package func reconfigure(_ instance: ManagedInstance) async throws {
        try configure(instance)
        guard await status(of: instance) == .running else { return }
        // An instance made before archiving existed runs with archive_mode off: only a restart
        // turns it on. Everything else Tidemark writes takes effect on reload.
        let mode = try await execute("SHOW archive_mode;", on: instance).trimmingCharacters(in: .whitespacesAndNewlines)
        if mode == "off" {
            try await runTool("pg_ctl", ["-D", instance.dataDirectory, "-m", "fast", "-w", "-t", "120", "restart", "-l", "\(Self.instanceDirectory(of: instance))/server.log"], failure: .databaseUnreachable)
        } else {
            try await execute("SELECT pg_reload_conf();", on: instance)
        }
    }

    package func remove(_ instance: ManagedInstance) async throws {
        if await status(of: instance) == .running {
            await stopImmediately(instance)
        }
        let directory = Self.instanceDirectory(of: instance)
        if FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Stops the server without a checkpoint (its data is being thrown away or recovered
    /// again); a server already down is no error.
    func stopImmediately(_ instance: ManagedInstance) async {
        try? await runTool("pg_ctl", ["-D", instance.dataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"], failure: .databaseUnreachable)
    }

    // MARK: Configuration

    /// The directory holding `data/` and `server.log`.
    static func instanceDirectory(of instance: ManagedInstance) -> String {
        (instance.dataDirectory as NSString).deletingLastPathComponent
    }

    /// Unix socket paths are limited to 107 bytes; the socket is `<data>/.s.PGSQL.<port>`.
    private func checkSocketPath(_ instance: ManagedInstance) throws {
        let socket = "\(instance.dataDirectory)/.s.PGSQL.\(instance.port)"
        guard socket.utf8.count <= 107 else {
            throw EngineError(
                .notSupported, "the data directory path \(instance.dataDirectory) is too long for PostgreSQL's Unix socket (\(socket.utf8.count) bytes, at most 107)",
                hint: "Use a shorter Tidemark home (--home or TIDEMARK_HOME)."
            )
        }
    }

    /// The settings Tidemark owns; everything else in `postgresql.conf` stays as it was.
    private func settings(for instance: ManagedInstance, recovery: RecoveryTarget?) -> String {
        """
        # Written by Tidemark for this managed instance; rewritten when it is restored elsewhere.
        port = \(instance.port)
        listen_addresses = '127.0.0.1'
        unix_socket_directories = '\(instance.dataDirectory)'
        password_encryption = 'scram-sha-256'
        wal_level = replica
        max_wal_senders = 10
        # pg_basebackup -X fetch needs the WAL written during the backup to still be there at its end.
        wal_keep_size = '512MB'
        # Archiving is always on (changing archive_mode needs a restart); whether WAL is kept is
        # the command: Tidemark's wal-push when the plan archives, `true` otherwise.
        archive_mode = on
        archive_command = '\(Self.quoted(instance.archiveCommand ?? "true"))'
        # With the heartbeat commits of serve this bounds how old the newest restorable time is.
        archive_timeout = \(Self.archiveTimeoutSeconds)

        """ + (recovery.map(Self.recoverySettings) ?? "")
    }

    /// `archive_timeout`: a segment with any commit in it is archived at most this long after.
    package static let archiveTimeoutSeconds = 50

    /// A value inside single quotes of `postgresql.conf`.
    static func quoted(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''")
    }

    /// Writes `tidemark.conf` and makes sure `postgresql.conf` includes it (generating a
    /// minimal `postgresql.conf` and `pg_hba.conf` when the data directory has none, as in a
    /// base backup of a Debian-packaged cluster).
    func configure(_ instance: ManagedInstance, recovery: RecoveryTarget? = nil) throws {
        let data = instance.dataDirectory
        try writeOwned(settings(for: instance, recovery: recovery), to: "\(data)/\(Self.settingsFile)")
        let main = "\(data)/postgresql.conf"
        let include = "include_if_exists = '\(Self.settingsFile)'"
        let existing = (try? String(contentsOfFile: main, encoding: .utf8)) ?? "# Generated by Tidemark: the base backup held no postgresql.conf.\n"
        if !existing.contains(include) {
            try writeOwned(existing + (existing.hasSuffix("\n") ? "" : "\n") + include + "\n", to: main)
        }
        let hba = "\(data)/pg_hba.conf"
        if !FileManager.default.fileExists(atPath: hba) {
            try writeOwned(
                """
                # Generated by Tidemark: the base backup held no pg_hba.conf.
                local   all             all                                     trust
                local   replication     all                                     trust
                host    all             all             127.0.0.1/32            scram-sha-256
                host    replication     all             127.0.0.1/32            scram-sha-256

                """, to: hba
            )
        }
    }

    // MARK: Files owned by the instance's user

    /// Creates the instance directory (mode 0700) for the instance's user, and lets that user reach it.
    func prepareInstanceDirectory(_ instance: ManagedInstance) throws {
        try prepare(directory: Self.instanceDirectory(of: instance))
    }

    /// Gives `path` to the instance's user (when Tidemark runs as root).
    func ownByInstanceUser(_ path: String) throws {
        guard let owner = try instanceUserIDs() else { return }
        guard chown(path, owner.uid, owner.gid) == 0 else {
            throw EngineError(.restoreFailed, "cannot give \(path) to the postgres user (errno \(errno))")
        }
    }

    /// The restored data directory gets this instance's settings, socket and port.
    func prepareRestored(_ instance: ManagedInstance) throws {
        try checkSocketPath(instance)
        try configure(instance)
    }

    private func prepare(directory: String) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: directory) {
            throw EngineError(.restoreFailed, "the instance directory \(directory) already exists", hint: "Choose another name, or remove the leftover directory.")
        }
        try prepareParent(of: directory)
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        if asPostgresUser {
            do {
                try ownByInstanceUser(directory)
            } catch {
                // Nothing of this instance exists yet but the directory just made: take it back.
                try? manager.removeItem(atPath: directory)
                throw error
            }
        }
    }

    /// Creates the directory instances live in (mode 0711) and lets the instance's user pass
    /// through the Tidemark home to it: whatever is made there first (an instance, or the WAL
    /// spool of a point-in-time restore) finds the same permissions.
    func prepareParent(of directory: String) throws {
        let parent = (directory as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        guard asPostgresUser else { return }
        // The Tidemark home is private (0700); the postgres user needs to pass through it
        // (not read it): group postgres, mode 0710.
        let home = (parent as NSString).deletingLastPathComponent
        var info = stat()
        if stat(home, &info) == 0, info.st_uid == 0, info.st_mode & 0o010 == 0 {
            if let group = getgrnam("postgres") {
                chown(home, 0, group.pointee.gr_gid)
                chmod(home, mode_t(info.st_mode & 0o7777) | 0o010)
            }
        }
    }

    func writeOwned(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw EngineError(.restoreFailed, "cannot write \(path)")
        }
        try ownByInstanceUser(path)
    }

    /// The uid and gid files of an instance get (the `postgres` user's when Tidemark runs as
    /// root); nil: the current user's, nothing to change.
    func instanceUserIDs() throws -> (uid: uid_t, gid: gid_t)? {
        guard asPostgresUser else { return nil }
        guard let user = getpwnam("postgres") else {
            throw EngineError(.toolNotFound, "there is no 'postgres' system user to own the instance", hint: "Install PostgreSQL (apt-get install -y postgresql), which creates it.")
        }
        return (user.pointee.pw_uid, user.pointee.pw_gid)
    }

    // MARK: Programs

    /// PostgreSQL's `program` as the instance's user.
    func command(_ program: String, _ arguments: [String]) -> ProcessCommand {
        if asPostgresUser {
            return ProcessCommand(executable: "runuser", arguments: ["-u", "postgres", "--", tools.path(program)] + arguments)
        }
        return ProcessCommand(executable: tools.path(program), arguments: arguments)
    }

    func runTool(_ program: String, _ arguments: [String], failure: EngineError.Code) async throws {
        let outcome = try await runner.run(command(program, arguments))
        guard outcome.succeeded else {
            throw EngineError(
                failure, "\(program) failed (exit \(outcome.exitCode)): \(outcome.standardError.suffix(800).trimmingCharacters(in: .whitespacesAndNewlines))",
                hint: failure == .toolNotFound ? "Install PostgreSQL (apt-get install -y postgresql) and check that the 'postgres' system user exists." : nil
            )
        }
    }

    /// Runs SQL through psql on the instance's socket as the superuser; returns standard output.
    @discardableResult
    func execute(_ sql: String, on instance: ManagedInstance, database: String = "postgres", variables: [String: String] = [:]) async throws -> String {
        try await PostgresSession.managed(instance, runner: runner, tools: tools).execute(sql, database: database, variables: variables)
    }
}
