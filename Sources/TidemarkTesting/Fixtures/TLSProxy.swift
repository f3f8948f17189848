import Foundation
import TidemarkCore
import TidemarkEngines

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTPS endpoint in front of a plain one: stunnel with a fresh self-signed certificate for
/// 127.0.0.1 and localhost.
package struct TLSProxy: Sendable {
    package let port: Int
    /// The self-signed certificate (PEM), to trust it explicitly.
    package let certificatePath: String
}

/// Runs `body` with stunnel terminating TLS on a free loopback port and forwarding to
/// `upstreamPort`.
package func withTLSProxy<T>(to upstreamPort: Int, _ body: (TLSProxy) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        _ = try runSetup([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", "\(directory)/key.pem", "-out", "\(directory)/cert.pem",
        ])
        let port = try FreePort.loopback()
        let configuration = """
            foreground = yes
            pid =
            [s3]
            accept = 127.0.0.1:\(port)
            connect = 127.0.0.1:\(upstreamPort)
            cert = \(directory)/cert.pem
            key = \(directory)/key.pem
            """
        try configuration.write(toFile: "\(directory)/stunnel.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["stunnel4", "\(directory)/stunnel.conf"]
        let log = FileHandle(forWritingAtPath: "/dev/null")
        process.standardOutput = log
        process.standardError = log
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for _ in 0..<200 where !canConnect(port) && process.isRunning {
            try await Task.sleep(for: .milliseconds(25))
        }
        guard canConnect(port) else {
            throw TidemarkError(code: "fixture-failed", message: "stunnel did not start on port \(port)", hint: "Install it with apt-get install stunnel4.", category: .internal)
        }
        return try await body(TLSProxy(port: port, certificatePath: "\(directory)/cert.pem"))
    }
}
