import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Managed instances against the real PostgreSQL server programs: create, kill, start, base
/// backup and restore into a second instance.
@Suite struct PostgresInstanceManagerTests {
    let manager = PostgresInstanceManager(runner: SubprocessRunner(), tools: PostgresTools.discover())

    func withInstances(_ body: (_ root: String) async throws -> Void) async throws {
        let root = "/tmp/tm-inst-\(Identifier.make().prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await body(root)
    }

    func psql(_ sql: String, port: Int, password: String, database: String) async throws -> String {
        let outcome = try await SubprocessRunner().run(ProcessCommand(
            executable: PostgresTools.discover().path("psql"),
            arguments: ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-tA", "-c", sql],
            environment: ["PGPASSWORD": Secret(password)]
        ))
        #expect(outcome.succeeded, "\(outcome.standardError)")
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("create, kill -9, start again, base backup, restore into a new instance with the same rows")
    func lifecycle() async throws {
        try await withInstances { root in
            let source = ManagedInstance(dataDirectory: "\(root)/instances/shop/data", port: try FreePort.loopback())
            let copy = ManagedInstance(dataDirectory: "\(root)/instances/copy/data", port: try FreePort.loopback())
            do {
                try await manager.create(source, password: Secret("pw-one"), database: "shop")
                #expect(await manager.status(of: source) == .running)
                _ = try await psql("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT i, md5(i::text) FROM generate_series(1, 5000) i;", port: source.port, password: "pw-one", database: "shop")
                #expect(try await psql("SHOW data_checksums", port: source.port, password: "pw-one", database: "shop") == "on")

                // kill -9 the postmaster: start brings it back from the stale pid file.
                let pidText = try String(contentsOfFile: "\(source.dataDirectory)/postmaster.pid", encoding: .utf8)
                let pid = Int32(pidText.split(separator: "\n").first ?? "") ?? 0
                #expect(pid > 0)
                kill(pid, SIGKILL)
                for _ in 0..<50 where await manager.status(of: source) == .running { try await Task.sleep(for: .milliseconds(100)) }
                #expect(await manager.status(of: source) == .stopped)
                try await manager.start(source)
                #expect(try await psql("SELECT count(*) FROM t", port: source.port, password: "pw-one", database: "shop") == "5000")

                var tar: [UInt8] = []
                let summary = try await manager.baseBackup(of: source, into: { tar.append(contentsOf: $0) }, progress: { _, _ in })
                #expect(summary.physical.timeline == 1)
                #expect(summary.physical.dataChecksums)
                #expect(summary.physical.startLSN.contains("/"))
                #expect(summary.physical.backupLabel.contains("START WAL LOCATION"))
                #expect(summary.databases.map(\.name).contains("shop"))
                let table = summary.databases.first { $0.name == "shop" }?.tables.first { $0.name == "t" }
                #expect(table?.rows == 5000)
                #expect(String(decoding: summary.backupManifest, as: UTF8.self).contains("WAL-Ranges"))

                var offset = 0
                try await manager.restore(copy, password: Secret("pw-two"), recovery: nil, from: {
                    guard offset < tar.count else { return nil }
                    defer { offset += 1 << 20 }
                    return Array(tar[offset..<min(tar.count, offset + (1 << 20))])
                })
                #expect(await manager.status(of: copy) == .running)
                #expect(try await psql("SELECT count(*), sum(id) FROM t", port: copy.port, password: "pw-two", database: "shop") == "5000|12502500")
                // The source is untouched and still answers with its own password.
                #expect(try await psql("SELECT count(*) FROM t", port: source.port, password: "pw-one", database: "shop") == "5000")
                try await manager.stop(copy)
                #expect(await manager.status(of: copy) == .stopped)
                try await manager.remove(copy)
                #expect(await manager.status(of: copy) == .missing)
                try await manager.remove(source)
            } catch {
                try? await manager.remove(source)
                try? await manager.remove(copy)
                throw error
            }
        }
    }

    @Test("a damaged base backup is refused by pg_verifybackup and leaves no instance behind")
    func damagedBackup() async throws {
        try await withInstances { root in
            let source = ManagedInstance(dataDirectory: "\(root)/instances/src/data", port: try FreePort.loopback())
            let copy = ManagedInstance(dataDirectory: "\(root)/instances/bad/data", port: try FreePort.loopback())
            do {
                try await manager.create(source, password: Secret("pw"), database: "src")
                var tar: [UInt8] = []
                _ = try await manager.baseBackup(of: source, into: { tar.append(contentsOf: $0) }, progress: { _, _ in })
                try await manager.remove(source)
                // Flip a byte inside the data of pg_class (base/<db>/1259), which tar does not check.
                var offset = 0
                var flipped = false
                while offset + 512 <= tar.count, let header = TarHeader(tar[offset..<(offset + 512)]) {
                    if header.path.hasPrefix("base/"), header.path.hasSuffix("/1259") {
                        tar[offset + 512 + 100] ^= 0xff
                        flipped = true
                        break
                    }
                    offset += 512 + Int(header.size) + TarHeader.padding(after: header.size)
                }
                #expect(flipped)
                var sent = false
                let error = await #expect(throws: EngineError.self) {
                    try await manager.restore(copy, password: Secret("pw"), recovery: nil, from: {
                        guard !sent else { return nil }
                        sent = true
                        return tar
                    })
                }
                #expect(error?.kind == .archiveUnreadable, "\(String(describing: error))")
                #expect(!FileManager.default.fileExists(atPath: "\(root)/instances/bad"))
            } catch {
                try? await manager.remove(source)
                try? await manager.remove(copy)
                throw error
            }
        }
    }
}
