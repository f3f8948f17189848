import Foundation
import Logging
import Synchronization
import Testing
import TidemarkCatalog
@testable import TidemarkControl
import TidemarkCore
import TidemarkEnvironment
import TidemarkEngines
import TidemarkRepository
import TidemarkStorage
import TidemarkTesting

/// Everything of the core issue, on S3 (moto with signatures and IAM checked), through the
/// real binary: add, test, backup, list, verify, restore, export, purge and GC.
@Suite struct S3EndToEndTests {
    @Test("the whole backup life cycle works on S3 exactly as on a local directory")
    func lifeCycle() async throws {
        try await withShop { shop in
            try await withMotoServer(authentication: true) { moto in
                let (cli, postgres, directory) = (shop.cli, shop.postgres, shop.directory)
                let admin = try #require(moto.users["admin"])
                let s3 = ["storage", "add", "s3a", "--s3", "--endpoint", moto.endpoint, "--bucket", moto.bucket, "--prefix", "/team/prod/", "--path-style", "--access-key-id", admin.accessKeyID]

                // The secret never comes from argv, and a wrong one saves nothing.
                let wrong = try await cli.run(s3, environment: ["TIDEMARK_S3_SECRET_ACCESS_KEY": "wrong-secret"])
                #expect(wrong.exitCode == 5)
                #expect(wrong.standardOutput.contains("PUT     failed"))
                #expect(wrong.standardOutput.contains("result: failed: invalid-credentials (HTTP 403 SignatureDoesNotMatch)"))
                #expect(wrong.standardError.contains("error: the connection test of"))
                #expect(!(wrong.standardOutput + wrong.standardError).contains("wrong-secret"))
                #expect((try await cli.run(["storage", "list", "--output", "json"]).json() as? [Any])?.isEmpty == true)

                let added = try await cli.run(s3, environment: ["TIDEMARK_S3_SECRET_ACCESS_KEY": admin.secret])
                #expect(added.exitCode == 0, "\(added.standardError)")
                #expect(added.standardOutput.contains("storage s3a added: s3://\(moto.bucket)/team/prod"))
                let shown = try await cli.run(["storage", "show", "s3a", "--output", "json"])
                #expect(!shown.standardOutput.contains(admin.secret))
                let representation = try #require(try shown.json() as? [String: Any])
                #expect((representation["s3"] as? [String: Any])?["prefix"] as? String == "team/prod")
                // Sealed at rest: the catalog file never holds the secret in plain text.
                let catalog = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/home/catalog.sqlite"))
                #expect(catalog.range(of: Data(admin.secret.utf8)) == nil)

                let tested = try await cli.run(["storage", "test", "s3a", "--output", "json"])
                #expect(tested.exitCode == 0, "\(tested.standardError)")
                let report = try #require(try tested.json() as? [String: Any])
                #expect((report["steps"] as? [[String: Any]])?.compactMap { $0["result"] as? String } == ["passed", "passed", "passed", "passed"])

                // A change of settings is tested before it is saved: keys without delete are refused.
                let noDelete = try #require(moto.users["noDelete"])
                let refused = try await cli.run(["storage", "update", "s3a", "--access-key-id", noDelete.accessKeyID], environment: ["TIDEMARK_S3_SECRET_ACCESS_KEY": noDelete.secret])
                #expect(refused.exitCode == 5)
                #expect(refused.standardOutput.contains("result: failed: missing-permission(delete) (HTTP 403 AccessDenied)"))
                #expect(try await cli.run(["storage", "show", "s3a"]).standardOutput.contains("access key:  \(admin.accessKeyID)"))
                let updated = try await cli.run(["storage", "update", "s3a", "--keep-secret", "--no-checksum-headers"])
                #expect(updated.exitCode == 0, "\(updated.standardError)")
                #expect(try await cli.run(["storage", "show", "s3a"]).standardOutput.contains("checksums:   Content-MD5"))

                #expect(try await cli.run(["db", "add", "shop", "--url", shop.url]).exitCode == 0)
                let first = try await shop.backup()
                let second = try await shop.backup()
                let listed = try await cli.run(["backup", "list", "shop", "--output", "json"])
                #expect(Set((try listed.json() as? [[String: Any]])?.compactMap { $0["storage"] as? String } ?? []) == ["s3a"])

                let verified = try await cli.run(["backup", "verify", first, "--read-data"])
                #expect(verified.exitCode == 0, "\(verified.standardError)")
                let restored = try await cli.run(["restore", second, "--to", "shop_from_s3"])
                #expect(restored.exitCode == 0, "\(restored.standardError)")
                for table in ["customers", "orders"] {
                    #expect(try await rows(of: table, in: "shop_from_s3", on: postgres) == (try await rows(of: table, in: "shop", on: postgres)))
                }
                let exported = try await cli.run(["backup", "export", first, "--out", "\(directory)/shop.dump"])
                #expect(exported.exitCode == 0, "\(exported.standardError)")
                let listing = try await SubprocessRunner().run(ProcessCommand(executable: PostgresTools.discover().path("pg_restore"), arguments: ["-l", "\(directory)/shop.dump"]))
                #expect(listing.succeeded && listing.standardOutput.contains("TABLE DATA public orders"))

                // Everything lives under the prefix in the bucket.
                let (packsBefore, outside) = try await withS3HTTPClient { http in
                    (try await moto.store(prefix: "team/prod", http: http).list(prefix: "data/").count, try await moto.store(http: http).list(prefix: "data/").count)
                }
                #expect(packsBefore > 0 && outside == 0)

                // Purging both backups lets garbage collection delete every pack from the bucket.
                #expect(try await cli.run(["backup", "purge", first]).exitCode == 0)
                let purged = try await cli.run(["backup", "purge", second])
                #expect(purged.exitCode == 0, "\(purged.standardError)")
                #expect(purged.standardOutput.contains("garbage collection deleted"))
                let packsAfter = try await withS3HTTPClient { http in try await moto.store(prefix: "team/prod", http: http).list(prefix: "data/").count }
                #expect(packsAfter == 0)
            }
        }
    }

    @Test("a backup survives dropped connections to S3; a persistent outage fails it and no backup becomes visible")
    func faults() async throws {
        try await withShop { shop in
            try await withMotoServer { moto in
                // Every third connection loses its response after the server acted on it.
                let flaky = try FaultProxy(upstreamPort: moto.port) { $0 % 3 == 1 ? .dropResponse : .pass }
                defer { flaky.stop() }
                let outage = OutageSwitch()
                try await withS3HTTPClient { http in
                    let quiet = {
                        var logger = Logger(label: "test")
                        logger.logLevel = .error
                        return logger
                    }()
                    let retries = RetryPolicy(attempts: 5, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), sleep: { _ in })
                    let control = try Environment.embedded(
                        directory: shop.directory,
                        http: http,
                        passphrase: { Secret("pass") },
                        logger: quiet,
                        retryPolicy: retries,
                        wrapStore: { store, use in
                            guard use == .work else { return store }
                            // Once the outage starts, every pack upload fails as a 503 would.
                            let faulty = FaultyObjectStore(base: store)
                            if outage.isOn { faulty.failing(.put, matching: "data/", with: StorageError(.unavailable, "simulated 503", httpStatus: 503)) }
                            return faulty
                        }
                    )
                    let catalog = control.catalog
                    var settings = moto.settings(prefix: "flaky")
                    _ = try await control.storages.add(name: "direct", settings: .s3(settings), secret: moto.secret())
                    settings.endpoint = "http://127.0.0.1:\(flaky.port)"
                    settings.prefix = "flaky"
                    _ = try await control.databases.add(name: "shop", engine: .postgres, url: shop.url)
                    // Backups now reach the same repository through the flaky path. (Set in the
                    // catalog directly: `updateStorage` runs the connection test, which rightly
                    // does not retry.)
                    var record = try await control.storages.get(named: "direct")
                    record.settings = .s3(settings)
                    try await catalog.updateStorage(record)

                    let backup = try await control.backups.create(database: "shop")
                    #expect(backup.status == .completed)
                    #expect(flaky.connectionCount > 3)
                    _ = try await control.restores.start(RestoreRequest(backupID: backup.id, newName: "shop_flaky"))
                    #expect(try await rows(of: "orders", in: "shop_flaky", on: shop.postgres) == (try await rows(of: "orders", in: "shop", on: shop.postgres)))

                    // Now uploads fail for good, after the repository was opened.
                    outage.isOn = true
                    let error = await #expect(throws: StorageError.self) { _ = try await control.backups.create(database: "shop") }
                    #expect(error?.category == .unavailable)
                    let failed = try await control.backups.list(matching: BackupFilter()).filter { $0.status != .completed }
                    #expect(failed.map(\.status) == [.failed])
                    #expect(failed.first?.error?.code == "storage-unavailable")
                    let snapshots = try await moto.store(prefix: "flaky", http: http).list(prefix: "snapshots/")
                    #expect(snapshots.count == 1)
                }
            }
        }
    }
}

/// Turns a simulated storage outage on for stores opened afterwards.
final class OutageSwitch: Sendable {
    private let state = Mutex(false)
    var isOn: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
