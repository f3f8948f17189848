import Foundation
import Testing
import TidemarkCore
@testable import TidemarkStorage
import TidemarkTesting

/// What only the S3 store has: multipart upload, list pagination, addressing styles, checksum
/// headers, the prefix boundary, streamed files. All against moto's real HTTP server.
@Suite struct S3ObjectStoreTests {
    @Test("objects above the threshold go up in parts and read back whole; part sizes respect S3's limits")
    func multipart() async throws {
        try await withMotoServer { moto in
            try await withS3HTTPClient { http in
                var store = try moto.store(prefix: "p", http: http)
                store.multipartThreshold = 6 << 20
                store.partSize = 5 << 20
                let bytes = (0..<(12 << 20) + 12345).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }
                try await store.put(bytes, at: "data/big")
                #expect(try await store.size(of: "data/big") == Int64(bytes.count))
                #expect(try await store.get("data/big") == bytes)
                #expect(try await store.get("data/big", range: 5_242_870..<5_242_890) == Array(bytes[5_242_870..<5_242_890]))
                // A 100 GiB object would need 20,480 parts of 5 MiB: the part grows to stay at 10,000.
                store.partSize = 1 << 20
                #expect(store.effectivePartSize(forObjectOf: 1 << 20) == 5 << 20)
                let part = store.effectivePartSize(forObjectOf: 100 << 30)
                #expect(part % (1 << 20) == 0 && part * 10_000 >= 100 << 30 && (part - (1 << 20)) * 10_000 < 100 << 30)
            }
        }
    }

    @Test("a failed multipart upload is aborted: no object and no parts are left behind")
    func multipartAbort() async throws {
        try await withMotoServer { moto in
            try await withS3HTTPClient { http in
                var store = try moto.store(http: http)
                store.partConcurrency = 1
                // Part 1 goes up, then reading part 2 fails (as a file read error would).
                struct ReadFailed: Error {}
                await #expect(throws: ReadFailed.self) {
                    try await store.multipartUpload(partCount: 3, at: "data/broken", displayKey: "data/broken") { number in
                        if number == 2 { throw ReadFailed() }
                        return Array(repeating: 1, count: 5 << 20)
                    }
                }
                let admin = try moto.store(http: http)
                #expect(try await admin.size(of: "data/broken") == nil)
                #expect(try await admin.pendingMultipartUploads().isEmpty)
            }
        }
    }

    @Test("listing follows continuation tokens past 1,000 keys and stays inside the prefix")
    func pagination() async throws {
        try await withMotoServer { moto in
            try await withS3HTTPClient { http in
                let store = try moto.store(prefix: "inside", http: http)
                let outside = try moto.store(prefix: "inside-not", http: http)
                try await outside.put([1], at: "data/x")
                let keys = (0..<1100).map { String(format: "data/%04d", $0) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for chunk in stride(from: 0, to: keys.count, by: 100) {
                        group.addTask { for key in keys[chunk..<min(chunk + 100, keys.count)] { try await store.put([0], at: key) } }
                    }
                    try await group.waitForAll()
                }
                let listed = try await store.list(prefix: "data/")
                #expect(listed.count == 1100)
                #expect(listed.map(\.key) == keys)
                try await store.delete(keys: keys)
                #expect(try await store.list(prefix: "").isEmpty)
                #expect(try await outside.list(prefix: "").map(\.key) == ["data/x"])
            }
        }
    }

    @Test("virtual-hosted addressing reaches the bucket through its host name")
    func virtualHosted() async throws {
        try await withMotoServer { moto in
            let host = "\(moto.bucket).localhost"
            try await withS3HTTPClient(S3HTTPClient(dnsOverride: [host: "127.0.0.1"])) { http in
                var settings = moto.settings(prefix: "vh")
                settings.pathStyle = false
                settings.endpoint = "http://localhost:\(moto.port)"
                let store = try S3ObjectStore(settings: settings, secretAccessKey: moto.secret(), http: http)
                try await store.put(Array("hello".utf8), at: "config")
                #expect(try await store.get("config") == Array("hello".utf8))
                #expect(try await store.list(prefix: "").map(\.key) == ["config"])
                // The same object, seen path-style: virtual-hosted requests did reach the bucket.
                #expect(try await moto.store(prefix: "vh", http: http).get("config") == Array("hello".utf8))
            }
        }
    }

    @Test("with checksum headers off, uploads carry Content-MD5 and still round-trip")
    func md5Checksums() async throws {
        try await withMotoServer { moto in
            try await withS3HTTPClient { http in
                var settings = moto.settings()
                settings.checksumHeaders = false
                let store = try S3ObjectStore(settings: settings, secretAccessKey: moto.secret(), http: http)
                let bytes = Array("checksummed".utf8)
                try await store.put(bytes, at: "k")
                #expect(try await store.get("k") == bytes)
            }
        }
    }

    @Test("files stream up in parts and down in one GET, byte for byte")
    func files() async throws {
        try await withMotoServer { moto in
            try await withTemporaryDirectory { directory in
                try await withS3HTTPClient { http in
                    var store = try moto.store(http: http)
                    store.multipartThreshold = 5 << 20
                    store.partSize = 5 << 20
                    let bytes = (0..<(11 << 20)).map { UInt8(truncatingIfNeeded: $0 / 7) }
                    try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/in"))
                    try await store.upload(file: "\(directory)/in", to: "files/in")
                    #expect(try await store.download("files/in", to: "\(directory)/out") == Int64(bytes.count))
                    #expect(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/out")) == Data(bytes))
                }
            }
        }
    }

    @Test("a bad endpoint is refused before any request")
    func badEndpoint() async throws {
        try await withS3HTTPClient { http in
            for endpoint in ["ftp://host", "s3.amazonaws.com", "http://host/path", "http://"] {
                let settings = S3StorageSettings(endpoint: endpoint, bucket: "bucket", prefix: "", region: "us-east-1", pathStyle: true, accessKeyID: "k")
                let error = #expect(throws: StorageError.self, "\(endpoint)") { _ = try S3ObjectStore(settings: settings, secretAccessKey: Secret("s"), http: http) }
                #expect(error?.kind == .invalidConfiguration)
            }
        }
    }
}
