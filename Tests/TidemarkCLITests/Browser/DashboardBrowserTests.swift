import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// The dashboard in a real headless Chromium against a real `tidemark serve` and a real
/// PostgreSQL: sign in, back up, watch it complete, drill into tables, restore into a new name,
/// a refused name conflict, storage tests that fail and pass with Save gated, phone width.
/// Screenshots of every page go to `.build/dashboard-screenshots/` (or `TIDEMARK_SCREENSHOTS`).
@Suite(.serialized) struct DashboardBrowserTests {
    static var screenshotDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["TIDEMARK_SCREENSHOTS"] { return URL(fileURLWithPath: path) }
        // Tests/TidemarkCLITests/Browser/this file → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/dashboard-screenshots")
    }

    @Test("sign in, back up now, drill into tables, restore into a new name, name conflict refused, storage test gates Save")
    func dashboardInABrowser() async throws {
        try await withShop { shop in
            try await shop.register()
            let cli = shop.cli
            let admin = try await cli.run(["token", "create", "oncall", "--role", "admin"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let viewer = try await cli.run(["token", "create", "reader", "--role", "viewer"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let serve = try ServeProcess(home: cli.home, passphrase: cli.passphrase)
            let port = try #require(try await serve.port(), "serve log:\n\(serve.log)")
            let site = "http://127.0.0.1:\(port)"
            let browser = try await WebDriver(screenshots: Self.screenshotDirectory)
            do {
                try await signIn(browser, site: site, admin: admin)
                let backupID = try await backUpAndDrillDown(browser, site: site)
                try await restore(browser, site: site, backupID: backupID, shop: shop)
                try await storageForm(browser, site: site, directory: shop.directory)
                try await otherPages(browser, site: site)
                try await csrfAndViewer(browser, site: site, viewer: viewer)
                try await phoneWidth(browser, site: site)
            } catch {
                _ = try? await browser.screenshot("zz-failure")
                await browser.close()
                serve.send(SIGTERM)
                Issue.record("serve log:\n\(serve.log.suffix(4000))")
                throw error
            }
            await browser.close()
            serve.send(SIGTERM)
            _ = try await serve.waitForExit(seconds: 30)
        }
    }

    private func signIn(_ browser: WebDriver, site: String, admin: String) async throws {
        try await browser.go("\(site)/ui/databases")
        _ = try await browser.waitFor("#token")
        #expect(try await browser.url.contains("/ui/login"), "an anonymous visit is sent to the login page")
        try await browser.screenshot("01-login")
        try await browser.find("#token").type("tmk_not-a-real-token")
        try await browser.find("#sign-in").click()
        let refused = try await browser.waitFor(".alert.error")
        #expect(try await refused.text.contains("not valid"))
        try await browser.find("#token").type(admin)
        try await browser.find("#sign-in").click()
        _ = try await browser.waitFor("tr[data-database=shop]")
        let session = try #require(try await browser.cookies().first { $0["name"] as? String == "tidemark_session" })
        #expect(session["httpOnly"] as? Bool == true)
        #expect(session["sameSite"] as? String == "Strict")
        let row = try await browser.find("tr[data-database=shop]")
        #expect(try await row.text.contains("postgres"))
        #expect(try await row.text.contains("none yet"), "no backup has been taken yet")
        _ = try await browser.find("tr[data-database=shop] .shield")
        try await browser.screenshot("02-databases")
    }

    /// Back up now → the operation page follows it to Completed → Backups tab → details.
    private func backUpAndDrillDown(_ browser: WebDriver, site: String) async throws -> String {
        try await browser.find("tr[data-database=shop] form[action$='/backup'] button").click()
        _ = try await browser.waitFor("#op-status")
        #expect(try await browser.url.contains("/ui/operations/"))
        try await browser.waitUntil("the backup completing", seconds: 120) {
            try await browser.find("#op-status").text == "Completed"
        }
        let log = try await browser.find("#op-log").text
        #expect(log.contains("queued"), "the log tail shows the operation's lines")
        try await browser.screenshot("03-backup-operation")

        try await browser.go("\(site)/ui/databases/shop")
        let row = try await browser.waitFor("#backups tr[data-status=completed]")
        let backupID = try #require(try await row.attribute("data-backup"))
        let text = try await row.text
        #expect(text.contains("manual") && text.contains("Completed") && text.contains("never (manual)"), "\(text)")
        #expect(try await browser.findAll("#backups tr[data-status=completed] a[href$='/restore']").count == 2, "Restore and New from backup on a completed backup")
        let configuration = try await browser.find("dl.config").text
        #expect(configuration.contains("every day at 00:00 UTC") && configuration.contains("local1"), "\(configuration)")
        try await browser.screenshot("04-backups-tab")
        try await browser.find("#incomplete-tab").click()
        let empty = try await browser.waitFor(".empty")
        #expect(try await empty.text.contains("No failed, pending or running backups"))
        try await browser.screenshot("05-incomplete-backups")

        try await browser.go("\(site)/ui/backups/\(backupID)")
        let orders = try await browser.waitFor("tr[data-table='public.orders']")
        let ordersText = try await orders.text
        #expect(ordersText.contains("20,000"), "row count of orders: \(ordersText)")
        try await browser.screenshot("06-backup-tables")
        return backupID
    }

    /// The dialog shows the conflict before submit, the server refuses it too, then a free
    /// name restores and the new database holds the rows.
    private func restore(_ browser: WebDriver, site: String, backupID: String, shop: ShopFixture) async throws {
        try await browser.find("#restore").click()
        let name = try await browser.waitFor("#newName")
        try await name.clear()
        try await name.type("shop")
        try await browser.waitUntil("the name conflict being shown") {
            try await browser.find("#name-status").text.contains("already exists")
        }
        #expect(try await browser.find("#start-restore").isEnabled == false, "submit is disabled while the name is taken")
        try await browser.screenshot("07-restore-name-conflict")
        // The server refuses it as well, whatever the page allows.
        _ = try await browser.execute("document.getElementById('start-restore').disabled = false; document.getElementById('restore-form').submit();")
        let refused = try await browser.waitFor("#restore-error")
        #expect(try await refused.text.contains("already exists"))
        try await browser.screenshot("08-restore-conflict-refused")

        let field = try await browser.find("#newName")
        try await field.clear()
        try await field.type("shop_copy")
        try await browser.waitUntil("the free name being accepted") {
            try await browser.find("#name-status").text.contains("is free")
        }
        try await browser.find("#start-restore").click()
        _ = try await browser.waitFor("#op-status")
        try await browser.waitUntil("the restore completing", seconds: 120) {
            try await browser.find("#op-status").text == "Completed"
        }
        try await browser.screenshot("09-restore-operation")
        let count = try await shop.postgres.execute("SELECT count(*) FROM orders;", database: "shop_copy")
        #expect(count.trimmingCharacters(in: .whitespacesAndNewlines) == "20000")
    }

    /// Save stays disabled until a test of exactly the form's values passed.
    private func storageForm(_ browser: WebDriver, site: String, directory: String) async throws {
        try await browser.go("\(site)/ui/storages/new")
        let save = try await browser.waitFor("#save")
        #expect(try await save.isEnabled == false, "Save is disabled before any test")
        #expect(try await browser.find("#test-result").attribute("data-state") == "idle")
        try await browser.screenshot("10-storage-idle")

        try await browser.find("#name").type("offsite")
        try await browser.find("input[name=kind][value=s3]").click()
        try await browser.find("#endpoint").type("http://127.0.0.1:9")
        try await browser.find("#bucket").type("backups")
        try await browser.find("#pathStyle").click()
        try await browser.find("#accessKeyId").type("AKIAEXAMPLE")
        try await browser.find("#secretAccessKey").type("not-a-secret")
        try await browser.find("#test-connection").click()
        try await browser.waitUntil("the failed test being shown", seconds: 60) {
            try await browser.find("#test-result").attribute("data-state") == "failed"
        }
        #expect(try await browser.find("#test-category").text == "(endpoint-unreachable)")
        #expect(try await !browser.find("#test-hint").text.isEmpty, "a failed test shows its hint")
        #expect(try await browser.find("#save").isEnabled == false, "Save stays disabled after a failed test")
        try await browser.screenshot("11-storage-test-failed")

        try await browser.find("input[name=kind][value=local]").click()
        try await browser.find("#name").clear()
        try await browser.find("#name").type("second")
        try await browser.find("#path").type("\(directory)/repo2")
        try await browser.find("#test-connection").click()
        try await browser.waitUntil("the passing test being shown", seconds: 60) {
            try await browser.find("#test-result").attribute("data-state") == "passed"
        }
        #expect(try await browser.find("#save").isEnabled, "a passing test enables Save")
        try await browser.screenshot("12-storage-test-passed")
        try await browser.find("#path").type("x")
        #expect(try await browser.find("#save").isEnabled == false, "changing a field disables Save again")
        #expect(try await browser.find("#test-result").attribute("data-state") == "idle")
        _ = try await browser.execute("const p = document.getElementById('path'); p.value = p.value.slice(0, -1); p.dispatchEvent(new Event('input', {bubbles: true}));")
        try await browser.find("#test-connection").click()
        try await browser.waitUntil("the second passing test", seconds: 60) {
            try await browser.find("#save").isEnabled
        }
        try await browser.find("#save").click()
        _ = try await browser.waitFor("tr[data-storage=second]")
        try await browser.screenshot("13-storages")
    }

    private func otherPages(_ browser: WebDriver, site: String) async throws {
        try await browser.go("\(site)/ui/operations")
        #expect(try await browser.waitFor("tbody").text.contains("restore"))
        try await browser.screenshot("14-operations")
        try await browser.go("\(site)/ui/policies/default")
        _ = try await browser.waitFor("#policy-form")
        try await browser.screenshot("15-policy")
        try await browser.go("\(site)/ui/databases/shop/plan")
        _ = try await browser.waitFor("#schedule")
        try await browser.screenshot("16-manage-plan")
        try await browser.find("#pause").click()
        let notice = try await browser.waitFor(".alert.ok")
        #expect(try await notice.text.contains("paused"))
        #expect(try await browser.find("dl.config").text.contains("paused"))
        try await browser.go("\(site)/ui/databases/shop/deprovision")
        _ = try await browser.waitFor("#confirmName")
        try await browser.screenshot("17-deprovision-confirm")
    }

    /// A POST without the session's CSRF token is refused; a viewer sees no actions.
    private func csrfAndViewer(_ browser: WebDriver, site: String, viewer: String) async throws {
        let cookie = try #require(try await browser.cookies().first { $0["name"] as? String == "tidemark_session" }?["value"] as? String)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: "\(site)/ui/databases/shop/backup")
        request.method = .POST
        request.headers.add(name: "Cookie", value: "tidemark_session=\(cookie)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "csrf=forged"))
        let response = try await http.execute(request, timeout: .seconds(30))
        #expect(response.status == .forbidden, "a forged CSRF token is refused")
        try await http.shutdown()

        try await browser.go("\(site)/ui/databases")
        try await browser.find(".signout button").click()
        _ = try await browser.waitFor("#token")
        try await browser.find("#token").type(viewer)
        try await browser.find("#sign-in").click()
        _ = try await browser.waitFor("tr[data-database=shop]")
        #expect(try await browser.findAll("form[action$='/backup']").isEmpty, "a viewer gets no Back up now")
    }

    private func phoneWidth(_ browser: WebDriver, site: String) async throws {
        try await browser.resize(width: 390, height: 844)
        for (page, name) in [("/ui/databases", "18-phone-databases"), ("/ui/databases/shop", "19-phone-backups-tab")] {
            try await browser.go(site + page)
            _ = try await browser.waitFor("h1")
            let fits = try await browser.execute("return document.documentElement.scrollWidth <= window.innerWidth + 1;") as? Bool
            #expect(fits == true, "\(page) has no sideways scroll at phone width (wide tables scroll inside their box)")
            try await browser.screenshot(name)
        }
    }
}
