import Foundation
package import TidemarkCore
import TidemarkEngines

/// A throwaway MariaDB server (Debian's 10.11) on a free loopback port, for engine tests: its
/// data directory is temporary, it runs unprivileged (as `mysql` when the tests run as root),
/// `root@127.0.0.1` has a password over TCP, and it is shut down and deleted after.
package final class LocalMariaDBServer: @unchecked Sendable {
    package let directory: String
    package let port: Int
    package let password: Secret<String>
    private let process: Process

    fileprivate init(directory: String, port: Int, password: Secret<String>, process: Process) {
        self.directory = directory
        self.port = port
        self.password = password
        self.process = process
    }

    /// How Tidemark reaches `database` as root over TCP.
    package func target(database: String = "mysql", user: String = "root", password: Secret<String>? = nil) -> DatabaseTarget {
        DatabaseTarget(connection: DatabaseConnection(host: "127.0.0.1", port: port, user: user, database: database), password: password ?? self.password)
    }

    /// Runs `sql` as root through the server's socket; returns the tab-separated rows.
    @discardableResult
    package func execute(_ sql: String, database: String? = nil) async throws -> String {
        var arguments = ["--no-defaults", "--socket=\(directory)/mysqld.sock", "-uroot", "--batch", "--skip-column-names", "--default-character-set=utf8mb4", "-e", sql]
        if let database { arguments.append(database) }
        let outcome = try await SubprocessRunner().run(ProcessCommand(executable: "/usr/bin/mariadb", arguments: arguments))
        guard outcome.succeeded else {
            throw TidemarkError(code: "fixture-sql", message: "mariadb: \(outcome.standardError)", category: .internal)
        }
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    fileprivate func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<300 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// Runs `body` with a fresh MariaDB server, stopped and removed afterwards whatever happens.
/// - Throws: `tool-not-found` when MariaDB is not installed (`apt-get install mariadb-server`).
package func withTemporaryMariaDB<T>(_ body: (LocalMariaDBServer) async throws -> T) async throws -> T {
    let server = try await startMariaDB()
    do {
        let result = try await body(server)
        server.stop()
        try? FileManager.default.removeItem(atPath: server.directory)
        return result
    } catch {
        server.stop()
        try? FileManager.default.removeItem(atPath: server.directory)
        throw error
    }
}

private func startMariaDB() async throws -> LocalMariaDBServer {
    let daemon = "/usr/sbin/mariadbd"
    guard FileManager.default.isExecutableFile(atPath: daemon), FileManager.default.isExecutableFile(atPath: "/usr/bin/mariadb-install-db") else {
        throw EngineError(.toolNotFound, "MariaDB is not installed", hint: "apt-get install -y mariadb-server mariadb-client")
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tidemark-mariadb-\(Identifier.make())").path
    try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
    // A temporary directory of its own: two servers bootstrapping at once in /tmp collide on
    // their temporary tables.
    try FileManager.default.createDirectory(atPath: "\(directory)/tmp", withIntermediateDirectories: true)
    // mariadbd refuses to run as root; as root it switches to `mysql`, which must own the files.
    let asRoot = getuid() == 0
    let userArguments = asRoot ? ["--user=mysql"] : []
    if asRoot {
        _ = try await SubprocessRunner().run(ProcessCommand(executable: "/bin/chown", arguments: ["-R", "mysql:mysql", directory]))
        _ = chmod(directory, 0o755)
    }
    let install = try await SubprocessRunner().run(ProcessCommand(
        executable: "/usr/bin/mariadb-install-db",
        arguments: ["--no-defaults", "--datadir=\(directory)/data", "--tmpdir=\(directory)/tmp", "--auth-root-authentication-method=normal", "--skip-test-db"] + userArguments
    ))
    guard install.succeeded else {
        try? FileManager.default.removeItem(atPath: directory)
        throw TidemarkError(code: "fixture-failed", message: "mariadb-install-db: \(install.standardError)", category: .internal)
    }
    var lastError = ""
    // A port found free can be taken before the server binds it; a second try covers that race.
    for _ in 0..<3 {
        let port = try FreePort.loopback()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: daemon)
        process.arguments = [
            "--no-defaults", "--datadir=\(directory)/data", "--port=\(port)", "--bind-address=127.0.0.1",
            "--socket=\(directory)/mysqld.sock", "--tmpdir=\(directory)/tmp", "--pid-file=\(directory)/mysqld.pid", "--log-error=\(directory)/error.log",
            "--skip-name-resolve", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
            "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=32M", "--innodb-flush-log-at-trx-commit=2",
            "--event-scheduler=OFF",
        ] + userArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let password = Secret("pw-\(Identifier.make())")
        let server = LocalMariaDBServer(directory: directory, port: port, password: password, process: process)
        for _ in 0..<300 where process.isRunning {
            if (try? await server.execute("SELECT 1")) == "1" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard process.isRunning, (try? await server.execute("SELECT 1")) == "1" else {
            lastError = (try? String(contentsOfFile: "\(directory)/error.log", encoding: .utf8))?.suffix(2_000).description ?? "no error log"
            server.stop()
            continue
        }
        do {
            // Anonymous users shadow named ones for TCP connections: removed. Root gets a
            // password over TCP, so credential errors are real.
            try await server.execute("""
                DELETE FROM mysql.global_priv WHERE User = '';
                CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
                ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '\(password.revealed)';
                GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
                FLUSH PRIVILEGES;
                """)
            return server
        } catch {
            server.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }
    try? FileManager.default.removeItem(atPath: directory)
    throw TidemarkError(code: "fixture-failed", message: "mariadbd did not start: \(lastError)", category: .internal)
}
