import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// A `tidemark serve` started from the built binary, with its stderr in a file.
final class ServeProcess {
    private let process = Process()
    let logPath: String

    init(home: String, passphrase: String, environment extra: [String: String] = [:], arguments: [String] = ["--tick-interval", "0.3"]) throws {
        logPath = "\(home)-serve-\(Identifier.make()).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        var environment = ProcessInfo.processInfo.environment
        environment["TIDEMARK_HOME"] = home
        environment["TIDEMARK_PASSPHRASE"] = passphrase
        for (key, value) in extra { environment[key] = value }
        process.executableURL = URL(fileURLWithPath: TidemarkBinary.path)
        // A free port per process: tests run in parallel.
        process.arguments = ["serve"] + (arguments.contains("--listen") ? [] : ["--listen", "127.0.0.1:0"]) + arguments
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// The exit status once the process ended within `seconds`, else nil.
    func waitForExit(seconds: Double) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline { return nil }
            try await Task.sleep(for: .milliseconds(100))
        }
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The HTTP port from the "listening on" log line, waiting up to `seconds` for it.
    func port(seconds: Double = 30) async throws -> Int? {
        var port: Int?
        _ = try await eventually(seconds: seconds, every: .milliseconds(100)) {
            guard let range = log.range(of: "listening on http://127.0.0.1:") else { return false }
            port = Int(log[range.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        return port
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

/// A `tidemark` command running in the background, to be killed at a chosen moment.
final class RunningCommand {
    let process = Process()

    /// Standard output and error, in a file beside the home.
    let outputPath: String

    init(_ arguments: [String], cli: TidemarkBinary, environment extra: [String: String] = [:]) throws {
        var environment = ProcessInfo.processInfo.environment
        environment["TIDEMARK_HOME"] = cli.home
        environment["TIDEMARK_PASSPHRASE"] = cli.passphrase
        for (key, value) in extra { environment[key] = value }
        outputPath = "\(cli.home)-command-\(Identifier.make()).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: TidemarkBinary.path)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// What the command printed so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The exit status once the command ended; nil when it still runs after `seconds`.
    func waitForExit(seconds: Double) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// Polls `condition` until it holds or `seconds` pass.
func eventually(seconds: Double, every interval: Duration = .milliseconds(200), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}

/// An HTTP answer of a `serve` under test.
struct APIReply {
    var status: Int
    var body: String
    var object: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:] }
}

/// Calls `serve`'s API with a bearer token and an optional JSON body.
func apiCall(_ http: HTTPClient, _ method: HTTPMethod, _ url: String, token: String?, body: String? = nil) async throws -> APIReply {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await http.execute(request, timeout: .seconds(60))
    let bytes = try await response.body.collect(upTo: 16 << 20)
    return APIReply(status: Int(response.status.code), body: String(buffer: bytes))
}

/// The dashboard of a `serve` under test, signed in with an API token: cookies kept by hand,
/// forms posted as a browser would (the CSRF field read from the page).
struct DashboardSession {
    /// Its own client: redirects are answers to look at, not to follow.
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
    let base: String
    private(set) var cookie = ""

    init(base: String) {
        self.base = base
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// An answer with its redirect target.
    struct Page {
        var status: Int
        var body: String
        var location: String?
        var cookies: [String]
    }

    func call(_ method: HTTPMethod, _ path: String, form: [String: String]? = nil, cookie extra: String? = nil) async throws -> Page {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        let cookies = [cookie, extra ?? ""].filter { !$0.isEmpty }.joined(separator: "; ")
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            let encoded = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
            request.body = .bytes(ByteBuffer(string: encoded))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let body = String(buffer: try await response.body.collect(upTo: 16 << 20))
        return Page(status: Int(response.status.code), body: body, location: response.headers.first(name: "Location"), cookies: response.headers["Set-Cookie"])
    }

    /// The value of hidden input `name` in `html`.
    static func hidden(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Signs in with `token` through the login form.
    mutating func signIn(token: String) async throws {
        let login = try await call(.GET, "/ui/login")
        let nonce = Self.hidden("loginNonce", in: login.body) ?? ""
        let signed = try await call(.POST, "/ui/login", form: ["loginNonce": nonce, "token": token], cookie: "tidemark_login=\(nonce)")
        guard let session = signed.cookies.first(where: { $0.hasPrefix("tidemark_session=") }) else {
            throw TidemarkError(code: "test-login", message: "no session cookie (status \(signed.status))", category: .internal)
        }
        cookie = String(session.prefix { $0 != ";" })
    }
}
