import AsyncHTTPClient
import Foundation
import TidemarkCore
import NIOCore
import NIOHTTP1
import TidemarkEngines
import TidemarkTesting

#if canImport(Glibc)
    import Glibc
#endif

/// A headless Chromium driven over the W3C WebDriver protocol by Debian's `chromedriver`:
/// the real browser, spoken to directly (no Selenium needed).
final class WebDriver: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One element of the current page, by WebDriver reference.
    struct Element {
        let driver: WebDriver
        let id: String

        func click() async throws { _ = try await driver.command(.POST, "element/\(id)/click", [:]) }
        func type(_ text: String) async throws { _ = try await driver.command(.POST, "element/\(id)/value", ["text": text]) }
        func clear() async throws { _ = try await driver.command(.POST, "element/\(id)/clear", [:]) }
        var text: String { get async throws { try await driver.command(.GET, "element/\(id)/text") as? String ?? "" } }
        var isEnabled: Bool { get async throws { try await driver.command(.GET, "element/\(id)/enabled") as? Bool ?? false } }
        func property(_ name: String) async throws -> Any? { try await driver.command(.GET, "element/\(id)/property/\(name)") }
        func attribute(_ name: String) async throws -> String? { try await driver.command(.GET, "element/\(id)/attribute/\(name)") as? String }
    }

    private let http: HTTPClient
    private let process: Process
    private let base: String
    private var session = ""
    let screenshots: URL

    /// Starts chromedriver on a free loopback port and a headless Chromium session.
    /// - Throws: `Failure` naming the missing package when chromium or chromedriver is absent.
    init(screenshots: URL) async throws {
        for binary in ["/usr/bin/chromedriver", "/usr/bin/chromium"] where !FileManager.default.isExecutableFile(atPath: binary) {
            throw Failure(description: "\(binary) is missing: install Debian's chromium and chromium-driver (.ci/run does)")
        }
        self.screenshots = screenshots
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        let port = try FreePort.loopback()
        base = "http://127.0.0.1:\(port)"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chromedriver")
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let ready = try await eventually(seconds: 20, every: .milliseconds(100)) {
                ((try? await self.raw(.GET, "/status", nil))?["ready"] as? Bool) == true
            }
            guard ready else { throw Failure(description: "chromedriver did not become ready on port \(port)") }
            let capabilities: [String: Any] = [
                "capabilities": ["alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": "/usr/bin/chromium",
                        "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900", "--lang=en-US"],
                    ],
                ]],
            ]
            let created = try await raw(.POST, "/session", capabilities)
            guard let id = created?["sessionId"] as? String else { throw Failure(description: "chromedriver made no session: \(String(describing: created))") }
            session = id
        } catch {
            await close()
            throw error
        }
    }

    func close() async {
        if !session.isEmpty { _ = try? await raw(.DELETE, "/session/\(session)", nil) }
        // Foundation's waitUntilExit spins on Linux; poll instead, and kill if it lingers.
        process.terminate()
        for _ in 0..<50 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? await http.shutdown()
    }

    // MARK: Navigation and queries

    func go(_ url: String) async throws { _ = try await command(.POST, "url", ["url": url]) }
    var url: String { get async throws { try await command(.GET, "url") as? String ?? "" } }
    var source: String { get async throws { try await command(.GET, "source") as? String ?? "" } }

    func find(_ css: String) async throws -> Element {
        let value = try await command(.POST, "element", ["using": "css selector", "value": css])
        guard let object = value as? [String: Any], let id = object.values.first as? String else {
            throw Failure(description: "no element matches \(css) on \(try await url)")
        }
        return Element(driver: self, id: id)
    }

    func findAll(_ css: String) async throws -> [Element] {
        let value = try await command(.POST, "elements", ["using": "css selector", "value": css]) as? [[String: Any]] ?? []
        return value.compactMap { ($0.values.first as? String).map { Element(driver: self, id: $0) } }
    }

    /// Waits until `css` matches an element, or fails naming the page it was on.
    func waitFor(_ css: String, seconds: Double = 20) async throws -> Element {
        var found: Element?
        _ = try await eventually(seconds: seconds, every: .milliseconds(200)) {
            found = try? await self.find(css)
            return found != nil
        }
        guard let found else { throw Failure(description: "\(css) did not appear on \(try await url) within \(seconds)s") }
        return found
    }

    /// Waits until `condition` holds, or fails with `what`.
    func waitUntil(_ what: String, seconds: Double = 20, _ condition: @escaping () async throws -> Bool) async throws {
        let met = try await eventually(seconds: seconds, every: .milliseconds(200)) { (try? await condition()) ?? false }
        guard met else { throw Failure(description: "\(what) did not happen within \(seconds)s on \(try await url)") }
    }

    func execute(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command(.POST, "execute/sync", ["script": script, "args": arguments])
    }

    func cookies() async throws -> [[String: Any]] {
        try await command(.GET, "cookie") as? [[String: Any]] ?? []
    }

    func resize(width: Int, height: Int) async throws {
        _ = try await command(.POST, "window/rect", ["width": width, "height": height])
    }

    /// Saves a PNG of the current page as `name.png` for a person to look at.
    @discardableResult
    func screenshot(_ name: String) async throws -> URL {
        guard let base64 = try await command(.GET, "screenshot") as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot data")
        }
        let file = screenshots.appendingPathComponent("\(name).png")
        try data.write(to: file)
        return file
    }

    // MARK: Protocol

    fileprivate func command(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        let reply = try await raw(method, "/session/\(session)/\(path)", body)
        return reply?["__value"]
    }

    /// One WebDriver call; the reply's `value` (objects are returned as is, anything else
    /// under `__value`), or a `Failure` with the driver's error.
    private func raw(_ method: HTTPMethod, _ path: String, _ body: [String: Any]?) async throws -> [String: Any]? {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let json = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView), options: [.fragmentsAllowed]) as? [String: Any]
        let value = json?["value"]
        if response.status.code >= 400 {
            let object = value as? [String: Any]
            throw Failure(description: "WebDriver \(method) \(path): \(object?["error"] ?? response.status.code): \(object?["message"] ?? "")")
        }
        var result = (value as? [String: Any]) ?? [:]
        result["__value"] = value
        return result
    }
}
