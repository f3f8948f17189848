import Foundation
package import TidemarkCore
import TidemarkEngines
package import TidemarkStorage

#if canImport(Glibc)
    import Glibc
#endif

/// A real S3 HTTP endpoint for tests: moto's server on a free loopback port, started through
/// `scripts/moto-server.py` (which makes moto check signatures as AWS does) and stopped after.
package struct MotoServer: Sendable {
    /// A key pair moto knows.
    package struct Credentials: Sendable {
        package var accessKeyID: String
        package var secret: String
    }

    package let port: Int
    package var endpoint: String { "http://127.0.0.1:\(port)" }
    /// With authentication on: the IAM users made by `scripts/moto-iam-setup.py`
    /// (`admin`, `noDelete`, `otherPrefixOnly`). Without: any key works.
    package let users: [String: Credentials]
    /// The bucket made at start.
    package let bucket: String

    /// Settings for the bucket (and `prefix`) with `user`'s key id.
    package func settings(prefix: String = "", user: String = "admin", pathStyle: Bool = true) -> S3StorageSettings {
        S3StorageSettings(endpoint: endpoint, bucket: bucket, prefix: prefix, region: "us-east-1", pathStyle: pathStyle, accessKeyID: users[user]?.accessKeyID ?? "test-key")
    }

    /// The secret of `user`.
    package func secret(_ user: String = "admin") -> Secret<String> {
        Secret(users[user]?.secret ?? "test-secret")
    }

    /// A store on the bucket, using `http`.
    package func store(prefix: String = "", user: String = "admin", http: S3HTTPClient) throws -> S3ObjectStore {
        try S3ObjectStore(settings: settings(prefix: prefix, user: user), secretAccessKey: secret(user), http: http)
    }
}

/// The repository's root, found from this file's path, for the helper scripts.
package let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()

/// Runs `body` with a fresh moto server. With `authentication`, moto checks signatures and IAM
/// policies (wrong secrets and denied actions fail as on AWS); without, every request passes.
package func withMotoServer<T>(authentication: Bool = false, _ body: (MotoServer) async throws -> T) async throws -> T {
    let port = try FreePort.loopback()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "\(repositoryRoot)/scripts/moto-server.py", "-H", "127.0.0.1", "-p", "\(port)"]
    var environment = ProcessInfo.processInfo.environment
    if authentication { environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3" }
    process.environment = environment
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("tidemark-moto-\(port).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let logHandle = try FileHandle(forWritingTo: log)
    process.standardOutput = logHandle
    process.standardError = logHandle
    try process.run()
    defer {
        // SIGKILL: moto keeps everything in memory, and a test runner may hand its children an
        // ignored SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? logHandle.close()
        try? FileManager.default.removeItem(at: log)
    }
    try await waitForPort(port, process: process, log: log.path)

    let bucket = "tidemark-\(Identifier.make().prefix(12).lowercased())"
    var users: [String: MotoServer.Credentials] = [:]
    if authentication {
        let output = try runSetup(["python3", "\(repositoryRoot)/scripts/moto-iam-setup.py", "http://127.0.0.1:\(port)", bucket])
        let setup = try JSONDecoder().decode(Setup.self, from: Data(output.utf8))
        users = setup.keys.mapValues { MotoServer.Credentials(accessKeyID: $0.id, secret: $0.secret) }
    } else {
        // moto without authentication accepts any key; make the bucket with a plain PUT.
        try await withS3HTTPClient { http in
            let server = MotoServer(port: port, users: [:], bucket: bucket)
            try await server.store(http: http).createBucket()
        }
    }
    return try await body(MotoServer(port: port, users: users, bucket: bucket))
}

private func waitForPort(_ port: Int, process: Process, log: String) async throws {
    // A plain TCP connect, not an HTTP request: in authentication mode every request counts
    // against moto's three unauthenticated ones.
    for _ in 0..<300 {
        guard process.isRunning else { break }
        if canConnect(port) { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    throw TidemarkError(code: "fixture-failed", message: "moto did not start on port \(port): \(output.suffix(2000))", hint: "Install it with pip install 'moto[server]'.", category: .internal)
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
package func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// Runs a helper command to completion and returns its standard output.
package func runSetup(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TidemarkError(code: "fixture-failed", message: "\(arguments.joined(separator: " ")) failed: \(String(decoding: errorData, as: UTF8.self).suffix(2000))", category: .internal)
    }
    return String(decoding: data, as: UTF8.self)
}

/// The JSON `scripts/moto-iam-setup.py` prints.
private struct Setup: Decodable {
    struct Key: Decodable {
        var id: String
        var secret: String
    }
    var keys: [String: Key]
}
