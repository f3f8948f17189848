import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import TidemarkControl
import TidemarkCore
import TidemarkServer
import TidemarkTesting

/// The dashboard's sessions, CSRF checks, roles, the storage form's server-side test gate and
/// the retention confirm step, through the router `serve` runs (no browser: the browser test
/// in TidemarkCLITests covers the pages' scripts).
@Suite struct DashboardTests {
    /// A signed-in browser as far as the server can tell: its cookie and the page's CSRF token.
    struct Browser {
        var cookie: String
        var csrf: String
    }

    @Test("login sets an HttpOnly SameSite=Strict cookie; anonymous pages go to login; bad tokens, forged forms and open redirects are refused")
    func sessionsAndCSRF() async throws {
        try await APIHarness.with { api, _ in
            try await api.test { client in
                let anonymous = try await client.page(.get, "/ui/databases")
                #expect(anonymous.status == 303)
                #expect(anonymous.headers[.location] == "/ui/login?next=%2Fui%2Fdatabases")

                let login = try await client.page(.get, "/ui/login")
                #expect(login.status == 200)
                #expect(login.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                #expect(login.headers[.cacheControl] == "no-store")
                let nonce = try #require(Self.cookie("tidemark_login", in: login))
                // Without the login cookie (another site posting the form) nothing happens.
                let forged = try await client.page(.post, "/ui/login", form: ["loginNonce": nonce, "token": api.admin])
                #expect(forged.status == 403)
                let wrong = try await client.page(.post, "/ui/login", cookie: "tidemark_login=\(nonce)", form: ["loginNonce": nonce, "token": "tmk_wrong"])
                #expect(wrong.status == 401)
                #expect(wrong.body.contains("not valid"))
                #expect(!wrong.body.contains("tmk_wrong"), "the typed token is not echoed")

                let signedIn = try await client.page(.post, "/ui/login", cookie: "tidemark_login=\(nonce)", form: ["loginNonce": nonce, "token": api.admin, "next": "//evil.example/ui/x"])
                #expect(signedIn.status == 303)
                #expect(signedIn.headers[.location] == "/ui/databases", "never an open redirect")
                let setCookie = signedIn.headers[values: .setCookie].first { $0.hasPrefix("tidemark_session=") } ?? ""
                #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/ui"), "\(setCookie)")
                let session = try #require(Self.cookie("tidemark_session", in: signedIn))
                #expect(!setCookie.contains(api.admin), "the token is not the session id")

                let page = try await client.page(.get, "/ui/databases", cookie: "tidemark_session=\(session)")
                #expect(page.status == 200)
                let csrf = try #require(Self.csrf(in: page.body))
                #expect(page.body.contains("No databases yet"), "the empty state says what to do next")

                let noToken = try await client.page(.post, "/ui/policies/default", cookie: "tidemark_session=\(session)", form: ["daily": "3"])
                #expect(noToken.status == 403)
                #expect(noToken.body.contains("out of date"))
                let badToken = try await client.page(.post, "/ui/policies/default", cookie: "tidemark_session=\(session)", form: ["daily": "3", "csrf": (csrf.first == "x" ? "y" : "x") + csrf.dropFirst()])
                #expect(badToken.status == 403)
                #expect(try await api.control.plans.policy(named: "default").daily == 30, "nothing changed by refused forms")
                let good = try await client.page(.post, "/ui/policies/default", cookie: "tidemark_session=\(session)", form: ["daily": "3", "monthly": "12", "yearly": "6", "keepFinal": "on", "csrf": csrf])
                #expect(good.status == 303)
                #expect(try await api.control.plans.policy(named: "default").daily == 3)

                // Revoking the token ends the session at once.
                try await api.control.tokens.revoke(named: "admin")
                let revoked = try await client.page(.get, "/ui/databases", cookie: "tidemark_session=\(session)")
                #expect(revoked.status == 303)
                #expect(revoked.headers[.location]?.hasPrefix("/ui/login") == true)
            }
        }
    }

    @Test("a viewer session reads pages but every action is refused")
    func viewerIsReadOnly() async throws {
        try await APIHarness.with { api, _ in
            try await APITestData.insertBackups(api.control, count: 2)
            try await api.test { client in
                let viewer = try await client.signIn(api.viewer)
                let list = try await client.page(.get, "/ui/databases", cookie: viewer.cookie)
                #expect(list.status == 200 && list.body.contains("db1"))
                #expect(!list.body.contains("Back up now"))
                let backup = try await client.page(.post, "/ui/databases/db1/backup", cookie: viewer.cookie, form: ["csrf": viewer.csrf])
                #expect(backup.status == 403)
                #expect(backup.body.contains("viewer"))
                let storage = try await client.page(.get, "/ui/storages/new", cookie: viewer.cookie)
                #expect(storage.status == 403)
                for path in ["/ui/databases/db1", "/ui/databases/db1/incomplete", "/ui/backups/b00000", "/ui/operations", "/ui/storages", "/ui/policies", "/ui/policies/default"] {
                    let page = try await client.page(.get, path, cookie: viewer.cookie)
                    #expect(page.status == 200, "\(path): \(page.status)")
                    #expect(!page.body.contains(">nil<") && !page.body.contains("Optional("), "\(path) renders no raw nil")
                }
                for path in ["/ui/databases/nope", "/ui/backups/nope", "/ui/operations/nope", "/ui/policies/nope", "/ui/no-such-page"] {
                    let page = try await client.page(.get, path, cookie: viewer.cookie)
                    #expect(page.status == 404, "\(path): \(page.status)")
                    #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
                }
            }
        }
    }

    @Test("the storage form saves only values whose connection test passed; a changed field is refused")
    func storageSaveNeedsPassingTestOfTheSameValues() async throws {
        try await APIHarness.with { api, _ in
            try await withTemporaryDirectory { directory in
                try await api.test { client in
                    let admin = try await client.signIn(api.admin)
                    let values = ["name": "nearby", "kind": "local", "path": "\(directory)/repo", "editing": "false", "csrf": admin.csrf]
                    let untested = try await client.page(.post, "/ui/storages/save", cookie: admin.cookie, form: values)
                    #expect(untested.status == 409)
                    #expect(untested.body.contains("Test the connection"))

                    let failing = try await client.page(.post, "/ui/storages/test", cookie: admin.cookie, form: values.merging(["path": "/proc/tidemark-cannot-write"]) { $1 }, json: true)
                    let failed = try #require(try JSONSerialization.jsonObject(with: Data(failing.body.utf8)) as? [String: Any])
                    #expect(failed["state"] as? String == "failed")
                    #expect(failed["category"] as? String != nil && failed["hint"] as? String != nil, "\(failed)")
                    #expect(failed["proof"] == nil)

                    let passing = try await client.page(.post, "/ui/storages/test", cookie: admin.cookie, form: values, json: true)
                    let passed = try #require(try JSONSerialization.jsonObject(with: Data(passing.body.utf8)) as? [String: Any])
                    #expect(passed["state"] as? String == "passed", "\(passed)")
                    let proof = try #require(passed["proof"] as? String)

                    let changed = try await client.page(.post, "/ui/storages/save", cookie: admin.cookie, form: values.merging(["path": "\(directory)/other", "testProof": proof]) { $1 })
                    #expect(changed.status == 409)
                    #expect(try await api.control.storages.list().isEmpty, "nothing saved")

                    let saved = try await client.page(.post, "/ui/storages/save", cookie: admin.cookie, form: values.merging(["testProof": proof]) { $1 })
                    #expect(saved.status == 303, "\(saved.body)")
                    #expect(try await api.control.storages.get(named: "nearby").settings == .local(path: "\(directory)/repo"))

                    // A proof is bound to the session that ran the test.
                    let other = try await client.signIn(api.admin)
                    let replayed = try await client.page(.post, "/ui/storages/save", cookie: other.cookie, form: values.merging(["name": "again", "testProof": proof, "csrf": other.csrf]) { $1 })
                    #expect(replayed.status == 409)
                }
            }
        }
    }

    @Test("a policy change that deletes backups lists them and is saved only after the confirm step")
    func policyChangeShowsWhatItDeletes() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let time = ManualTime(start.addingTimeInterval(10 * 3600))
        try await APIHarness.with(now: { time.now }) { api, _ in
            try await APITestData.insertBackups(api.control, count: 6, start: start)
            _ = try await api.control.plans.setPolicy(named: "default", PolicyChange(days: 30))
            try await api.test { client in
                let admin = try await client.signIn(api.admin)
                let change = ["hourly": "0", "within": "", "daily": "1", "monthly": "0", "yearly": "0", "days": "", "csrf": admin.csrf]
                let preview = try await client.page(.post, "/ui/policies/default", cookie: admin.cookie, form: change)
                #expect(preview.status == 200)
                #expect(preview.body.contains("This change deletes 6 backup(s)"))
                for index in 0..<6 { #expect(preview.body.contains(String(format: "b%05d", index))) }
                #expect(try await api.control.plans.policy(named: "default").days == 30, "not saved before the confirm")
                #expect(try await api.control.catalog.backups(matching: BackupFilter()).count == 6)

                let confirmed = try await client.page(.post, "/ui/policies/default", cookie: admin.cookie, form: change.merging(["confirm": "yes"]) { $1 })
                #expect(confirmed.status == 303)
                let policy = try await api.control.plans.policy(named: "default")
                #expect(policy.daily == 1 && policy.days == nil)
                #expect(try await api.control.catalog.backups(matching: BackupFilter()).isEmpty, "the confirmed change ran retention")
            }
        }
    }

    @Test("a SQLite backup's restore dialog asks for a new file beside the source, checks it as typed, and offers no one-table restore")
    func sqliteRestoreForm() async throws {
        try await APIHarness.with { api, _ in
            // Tidemark's own catalog is the SQLite database at hand.
            _ = try await api.control.storages.add(name: "local1", settings: .local(path: "\(api.home)/repo"))
            _ = try await api.control.databases.add(name: "catalog", engine: .sqlite, url: "sqlite://\(api.home)/catalog.sqlite", plan: nil)
            let backup = try await api.control.backups.create(database: "catalog")
            try await api.test { client in
                let admin = try await client.signIn(api.admin)
                let form = try await client.page(.get, "/ui/backups/\(backup.id)/restore", cookie: admin.cookie)
                #expect(form.status == 200)
                #expect(form.body.contains("New file (absolute path)"))
                #expect(form.body.contains("value=\"\(api.home)/catalog-restored.sqlite\""))
                #expect(!form.body.contains("What to restore"))
                #expect(form.body.contains("Restore into new file"))
                let free = try await client.page(.get, "/ui/backups/\(backup.id)/restore/check?name=\(api.home)/copy.db", cookie: admin.cookie, json: true)
                #expect(free.object["available"] as? Bool == true, "\(free.body)")
                let taken = try await client.page(.get, "/ui/backups/\(backup.id)/restore/check?name=\(api.home)/catalog.sqlite", cookie: admin.cookie, json: true)
                #expect(taken.object["available"] as? Bool == false, "\(taken.body)")
                let relative = try await client.page(.get, "/ui/backups/\(backup.id)/restore/check?name=copy.db", cookie: admin.cookie, json: true)
                #expect(relative.object["available"] as? Bool == false, "\(relative.body)")
            }
        }
    }

    @Test("a MariaDB backup's restore dialog offers a new database name and its tables by name; the name is checked on the server")
    func mariadbRestoreForm() async throws {
        try await withTemporaryMariaDB { server in
            try await server.execute("CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY); INSERT INTO shop.orders VALUES (1), (2); CREATE DATABASE taken;")
            try await APIHarness.with { api, _ in
                _ = try await api.control.storages.add(name: "local1", settings: .local(path: "\(api.home)/repo"))
                _ = try await api.control.databases.add(
                    name: "shopm", engine: .mariadb, url: "mariadb://root@127.0.0.1:\(server.port)/shop", password: server.password, plan: nil
                )
                let backup = try await api.control.backups.create(database: "shopm")
                try await api.test { client in
                    let admin = try await client.signIn(api.admin)
                    let form = try await client.page(.get, "/ui/backups/\(backup.id)/restore", cookie: admin.cookie)
                    #expect(form.status == 200)
                    #expect(form.body.contains("New database name") && form.body.contains("value=\"shopm_restored\""))
                    #expect(form.body.contains("shop.orders (2 rows)"), "the table list")
                    let taken = try await client.page(.get, "/ui/backups/\(backup.id)/restore/check?name=taken", cookie: admin.cookie, json: true)
                    #expect(taken.object["available"] as? Bool == false, "\(taken.body)")
                    let free = try await client.page(.get, "/ui/backups/\(backup.id)/restore/check?name=fresh", cookie: admin.cookie, json: true)
                    #expect(free.object["available"] as? Bool == true, "\(free.body)")
                }
            }
        }
    }

    static func cookie(_ name: String, in response: APIResponse) -> String? {
        for header in response.headers[values: .setCookie] where header.hasPrefix("\(name)=") {
            return String(header.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: "data-csrf=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}

extension TestClientProtocol {
    /// A dashboard request: an optional cookie and an urlencoded form.
    func page(_ method: HTTPRequest.Method, _ uri: String, cookie: String? = nil, form: [String: String]? = nil, json: Bool = false) async throws -> APIResponse {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        if json { headers[.accept] = "application/json" }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            body = ByteBuffer(string: form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&"))
        }
        return try await execute(uri: uri, method: method, headers: headers, body: body) { response in
            APIResponse(status: Int(response.status.code), body: String(buffer: response.body), headers: response.headers)
        }
    }

    /// Signs in with `token` the way the login form does.
    func signIn(_ token: String) async throws -> DashboardTests.Browser {
        let login = try await page(.get, "/ui/login")
        let nonce = try #require(DashboardTests.cookie("tidemark_login", in: login))
        let signedIn = try await page(.post, "/ui/login", cookie: "tidemark_login=\(nonce)", form: ["loginNonce": nonce, "token": token])
        let session = try #require(DashboardTests.cookie("tidemark_session", in: signedIn))
        let home = try await page(.get, "/ui/databases", cookie: "tidemark_session=\(session)")
        return DashboardTests.Browser(cookie: "tidemark_session=\(session)", csrf: try #require(DashboardTests.csrf(in: home.body)))
    }
}
