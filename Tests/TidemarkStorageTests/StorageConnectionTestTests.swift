import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkStorage
import TidemarkTesting

/// Every category of SPEC §4.4, each produced by a real condition: moto checking signatures and
/// IAM policies, a closed port, a self-signed TLS endpoint, a web server that is not S3.
@Suite struct StorageConnectionTestTests {
    func test(_ settings: S3StorageSettings, secret: Secret<String>, http: S3HTTPClient) async throws -> ConnectionTestReport {
        await StorageConnectionTest.run(on: try S3ObjectStore(settings: settings, secretAccessKey: secret, http: http))
    }

    @Test("valid credentials pass all four steps and leave nothing behind")
    func passes() async throws {
        try await withMotoServer(authentication: true) { moto in
            try await withS3HTTPClient { http in
                let report = try await test(moto.settings(prefix: "team/prod"), secret: moto.secret(), http: http)
                #expect(report.passed)
                #expect(report.steps.map(\.operation) == ["put", "get", "list", "delete"])
                #expect(report.steps.allSatisfy { $0.result == "passed" })
                #expect(try await moto.store(http: http).list(prefix: "").isEmpty)
            }
        }
    }

    @Test("a wrong secret or an unknown key is invalid-credentials, with moto's 403 and code")
    func invalidCredentials() async throws {
        try await withMotoServer(authentication: true) { moto in
            try await withS3HTTPClient { http in
                let wrongSecret = try await test(moto.settings(), secret: Secret("not-the-secret"), http: http)
                #expect(wrongSecret.failure?.category == "invalid-credentials")
                #expect(wrongSecret.failure?.httpStatus == 403)
                #expect(wrongSecret.failure?.serviceCode == "SignatureDoesNotMatch")
                #expect(wrongSecret.steps.map(\.result) == ["failed", "skipped", "skipped", "skipped"])
                #expect(wrongSecret.failure?.message.contains("not-the-secret") == false)

                var unknown = moto.settings()
                unknown.accessKeyID = "AKIAUNKNOWN000000000"
                let unknownKey = try await test(unknown, secret: moto.secret(), http: http)
                #expect(unknownKey.failure?.category == "invalid-credentials")
                #expect(unknownKey.failure?.serviceCode == "InvalidAccessKeyId")
            }
        }
    }

    @Test("a bucket that does not exist is bucket-not-found")
    func bucketNotFound() async throws {
        try await withMotoServer(authentication: true) { moto in
            try await withS3HTTPClient { http in
                var settings = moto.settings()
                settings.bucket = "no-such-bucket"
                let report = try await test(settings, secret: moto.secret(), http: http)
                #expect(report.failure?.category == "bucket-not-found")
                #expect(report.failure?.httpStatus == 404)
            }
        }
    }

    @Test("credentials whose policy lacks s3:DeleteObject fail with missing-permission(delete) after put, get and list pass")
    func missingDelete() async throws {
        try await withMotoServer(authentication: true) { moto in
            try await withS3HTTPClient { http in
                let report = try await test(moto.settings(prefix: "backups", user: "noDelete"), secret: moto.secret("noDelete"), http: http)
                #expect(report.failure?.category == "missing-permission(delete)")
                #expect(report.failure?.serviceCode == "AccessDenied")
                #expect(report.steps.map(\.result) == ["passed", "passed", "passed", "failed"])
            }
        }
    }

    @Test("credentials allowed only under another prefix get path-access-denied")
    func pathDenied() async throws {
        try await withMotoServer(authentication: true) { moto in
            try await withS3HTTPClient { http in
                let denied = try await test(moto.settings(prefix: "backups", user: "otherPrefixOnly"), secret: moto.secret("otherPrefixOnly"), http: http)
                #expect(denied.failure?.category == "path-access-denied")
                #expect(denied.failure?.httpStatus == 403)
                // The same credentials under the prefix their policy names get past PUT.
                let allowed = try await test(moto.settings(prefix: "other", user: "otherPrefixOnly"), secret: moto.secret("otherPrefixOnly"), http: http)
                #expect(allowed.steps.first?.result == "passed")
            }
        }
    }

    @Test("a closed port is endpoint-unreachable")
    func unreachable() async throws {
        try await withS3HTTPClient { http in
            let port = try FreePort.loopback()
            let settings = S3StorageSettings(endpoint: "http://127.0.0.1:\(port)", bucket: "bucket", prefix: "", region: "us-east-1", pathStyle: true, accessKeyID: "key")
            let report = try await test(settings, secret: Secret("secret"), http: http)
            #expect(report.failure?.category == "endpoint-unreachable")
            #expect(report.failure?.httpStatus == nil)
        }
    }

    @Test("a TLS endpoint with a self-signed certificate is tls-error; trusting the certificate makes it pass")
    func tls() async throws {
        try await withMotoServer { moto in
            try await withTLSProxy(to: moto.port) { proxy in
                var settings = moto.settings()
                settings.endpoint = "https://127.0.0.1:\(proxy.port)"
                let untrusted = try await withS3HTTPClient { http in try await test(settings, secret: moto.secret(), http: http) }
                #expect(untrusted.failure?.category == "tls-error")
                let trusted = try await withS3HTTPClient(S3HTTPClient(trustRootsFile: proxy.certificatePath)) { http in
                    try await test(settings, secret: moto.secret(), http: http)
                }
                #expect(trusted.passed, "\(String(describing: trusted.failure))")
            }
        }
    }

    @Test("a web server that is not S3 is unexpected-response, with its status")
    func notS3() async throws {
        try await withTemporaryDirectory { directory in
            let port = try FreePort.loopback()
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.arguments = ["python3", "-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", directory]
            server.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            server.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try server.run()
            defer {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
            for _ in 0..<200 where !canConnect(port) { try await Task.sleep(for: .milliseconds(25)) }
            try await withS3HTTPClient { http in
                let settings = S3StorageSettings(endpoint: "http://127.0.0.1:\(port)", bucket: "bucket", prefix: "", region: "us-east-1", pathStyle: true, accessKeyID: "key")
                let report = try await test(settings, secret: Secret("secret"), http: http)
                #expect(report.failure?.category == "unexpected-response")
                #expect(report.failure?.httpStatus == 501)
            }
        }
    }

    @Test("the local directory runs the same four steps")
    func localDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let report = await StorageConnectionTest.run(on: LocalDirectoryObjectStore(root: directory))
            #expect(report.passed)
            #expect(report.steps.count == 4)
        }
    }
}
