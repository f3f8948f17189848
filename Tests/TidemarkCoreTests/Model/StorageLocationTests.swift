import Testing
import TidemarkCore

/// Issue 14, items 3 and 5: stored paths are canonical, and storages may not share a place.
@Suite struct StorageLocationTests {
    private func s3(_ endpoint: String, _ bucket: String, _ prefix: String) -> StorageSettings {
        .s3(S3StorageSettings(endpoint: endpoint, bucket: bucket, prefix: prefix, region: "us-east-1", pathStyle: true, accessKeyID: "AKIA"))
    }

    @Test(
        "local paths are stored canonical",
        arguments: [
            ("/srv/backups", "/srv/backups"), ("/srv/backups/", "/srv/backups"), ("/srv//backups", "/srv/backups"),
            ("/srv/./backups", "/srv/backups"), ("/srv/x/../backups", "/srv/backups"), ("/../srv", "/srv"), ("/", "/"),
        ]
    )
    func canonicalPaths(given: String, stored: String) throws {
        #expect(try StorageSettings.local(path: given).normalized() == .local(path: stored))
    }

    @Test("a relative local path is refused with invalid-storage-settings")
    func relativePath() {
        for path in ["backups", "./backups", "", "~/backups"] {
            let error = #expect(throws: TidemarkError.self) { try StorageSettings.local(path: path).normalized() }
            #expect(error?.code == "invalid-storage-settings", "\(path)")
        }
    }

    @Test("overlap: the same place, or one inside the other, by whole segments")
    func overlaps() throws {
        func local(_ path: String) throws -> StorageSettings { try StorageSettings.local(path: path).normalized() }
        #expect(try local("/srv/a").overlaps(local("/srv/a/")))
        #expect(try local("/srv/a").overlaps(local("/srv/a/b")))
        #expect(try local("/srv/a/b").overlaps(local("/srv/a")))
        #expect(try !local("/srv/a").overlaps(local("/srv/ab")))
        #expect(try !local("/srv/a").overlaps(local("/srv/b")))
        #expect(s3("https://s3.example.com", "b", "prod").overlaps(s3("https://S3.example.com:443/", "b", "prod")))
        #expect(s3("https://s3.example.com", "b", "").overlaps(s3("https://s3.example.com", "b", "prod")))
        #expect(s3("https://s3.example.com", "b", "prod/eu").overlaps(s3("https://s3.example.com", "b", "prod")))
        #expect(!s3("https://s3.example.com", "b", "prod").overlaps(s3("https://s3.example.com", "b", "production")))
        #expect(!s3("https://s3.example.com", "b", "prod").overlaps(s3("https://s3.example.com", "c", "prod")))
        #expect(!s3("https://s3.example.com", "b", "prod").overlaps(s3("https://minio.example.com", "b", "prod")))
        #expect(!s3("http://127.0.0.1:9000", "b", "p").overlaps(s3("http://127.0.0.1:9001", "b", "p")))
        #expect(try !local("/b").overlaps(s3("https://s3.example.com", "b", "")))
    }
}
