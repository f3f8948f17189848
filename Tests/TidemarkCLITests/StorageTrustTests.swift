import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// Issue 14, items 3 and 5, through the binary: local storage stays inside its directory, and
/// two storages never share a place.
@Suite struct StorageTrustTests {
    @Test("a link out of the storage directory: the backup fails before writing there; verify and restore agree")
    func linkOutOfStorage() async throws {
        try await withShop { shop in
            try await shop.register()
            let repo = "\(shop.directory)/repo"
            let elsewhere = "\(shop.directory)/elsewhere"
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(repo)/data", withDestinationPath: elsewhere)
            let refused = try await shop.cli.run(["backup", "create", "shop"])
            #expect(refused.exitCode == 2, "\(refused.standardError)")
            #expect(refused.standardError.contains("outside the storage directory"), "\(refused.standardError)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)

            // A backup made before the data directory was replaced by a link: both readers refuse it.
            try FileManager.default.removeItem(atPath: "\(repo)/data")
            let id = try await shop.backup()
            try FileManager.default.moveItem(atPath: "\(repo)/data", toPath: "\(elsewhere)/data")
            try FileManager.default.createSymbolicLink(atPath: "\(repo)/data", withDestinationPath: "\(elsewhere)/data")
            let verify = try await shop.cli.run(["backup", "verify", id])
            let restore = try await shop.cli.run(["restore", id, "--to", "through_link"])
            for result in [verify, restore] {
                #expect(result.exitCode == 2, "\(result.standardError)")
                #expect(result.standardError.contains("outside the storage directory"), "\(result.standardError)")
            }
        }
    }

    @Test("two storages may not share a directory, nest, or register one repository twice; stored paths are canonical")
    func overlappingStorages() async throws {
        try await withTemporaryDirectory { directory in
            let cli = TidemarkBinary(home: "\(directory)/home")
            #expect(try await cli.run(["storage", "add", "one", "--local", "\(directory)/a/./repo/"]).exitCode == 0)
            let shown = try #require(try await cli.run(["storage", "show", "one", "--output", "json"]).json() as? [String: Any])
            #expect(shown["location"] as? String == "\(directory)/a/repo")
            try FileManager.default.createSymbolicLink(atPath: "\(directory)/alias", withDestinationPath: "\(directory)/a/repo")
            for path in ["\(directory)/a/repo", "\(directory)/a/repo/", "\(directory)/a/repo/inner", "\(directory)/a", "\(directory)/x/../a/repo", "\(directory)/alias"] {
                let result = try await cli.run(["storage", "add", "two", "--local", path])
                #expect(result.exitCode == 4, "\(path): \(result.standardError)")
                #expect(result.standardError.contains("storage one"), "\(path): \(result.standardError)")
                #expect(result.standardError.contains("hint: "), "\(path)")
            }
            #expect(try await cli.run(["storage", "add", "two", "--local", "\(directory)/a/repo2"]).exitCode == 0)
            let storages = try #require(try await cli.run(["storage", "list", "--output", "json"]).json() as? [[String: Any]])
            #expect(storages.compactMap { $0["location"] as? String } == ["\(directory)/a/repo", "\(directory)/a/repo2"])
        }
    }

    @Test("a dead S3 endpoint fails a backup within the retry budget, and the backup is marked failed")
    func deadEndpoint() async throws {
        try await withShop { shop in
            try await withMotoServer { moto in
                let proxy = try FaultProxy(upstreamPort: moto.port) { _ in .pass }
                let secret = ["TIDEMARK_S3_SECRET_ACCESS_KEY": moto.secret().revealed]
                let added = try await shop.cli.run(
                    ["storage", "add", "s3", "--s3", "--endpoint", "http://127.0.0.1:\(proxy.port)", "--bucket", moto.bucket, "--path-style", "--access-key-id", moto.settings().accessKeyID],
                    environment: secret
                )
                #expect(added.exitCode == 0, "\(added.standardError)")
                _ = try await shop.cli.run(["db", "add", "shop", "--url", shop.url])
                proxy.stop()
                let started = Date()
                let failed = try await shop.cli.run(["backup", "create", "shop", "--storage", "s3"], environment: ["TIDEMARK_STORAGE_RETRY_SECONDS": "3"])
                let took = Date().timeIntervalSince(started)
                #expect(failed.exitCode == 6, "\(failed.standardError)")
                #expect(failed.standardError.contains("hint: "))
                // Before: about 10 s per try (a connect timeout for a port that refuses at once), 12 tries.
                #expect(took < 12, "took \(took) s")
                let backups = try #require(try await shop.cli.run(["backup", "list", "--output", "json"]).json() as? [[String: Any]])
                #expect(backups.map { $0["status"] as? String } == ["failed"])
            }
        }
    }
}
