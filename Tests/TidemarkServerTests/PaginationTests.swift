import Foundation
import Hummingbird
import HummingbirdTesting
@testable import TidemarkControl
import Testing
import TidemarkCore
import TidemarkServer
import TidemarkTesting

@Suite("API pagination: keyset cursors over backups and operations")
struct PaginationTests {
    @Test("paging 125 backups by 50 returns every backup once, newest first, then a null cursor")
    func pagesThroughBackups() async throws {
        try await APIHarness.with { api, _ in
            try await APITestData.insertBackups(api.control, count: 125)
            try await api.test { (client) async throws in
                var seen: [String] = []
                var cursor: String? = nil
                var pages = 0
                repeat {
                    let response = try await client.call(.get, "/api/v1/backups?limit=50" + (cursor.map { "&cursor=\($0)" } ?? ""), token: api.viewer)
                    #expect(response.status == 200)
                    let items = try #require(response.object["items"] as? [[String: Any]])
                    seen += items.compactMap { $0["id"] as? String }
                    cursor = response.object["nextCursor"] as? String
                    pages += 1
                } while cursor != nil && pages < 10
                #expect(pages == 3)
                #expect(seen.count == 125)
                #expect(Set(seen).count == 125)
                #expect(seen == (0..<125).reversed().map { String(format: "b%05d", $0) })
            }
        }
    }

    @Test("stored expiry dates (written by retention) are what a live evaluation gives; lists read them")
    func storedExpiriesMatchLiveOnes() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let time = ManualTime(start.addingTimeInterval(125 * 3600))
        try await APIHarness.with(now: { time.now }) { api, _ in
            try await APITestData.insertBackups(api.control, count: 125, start: start)
            func expiries() async throws -> [String: String] {
                try await api.test { client in
                    let items = try #require(try await client.call(.get, "/api/v1/backups?limit=500", token: api.viewer).object["items"] as? [[String: Any]])
                    return Dictionary(uniqueKeysWithValues: items.map { ($0["id"] as? String ?? "", $0["expiresAt"] as? String ?? "null") })
                }
            }
            let live = try await expiries()
            #expect(try await api.control.catalog.backup(id: "b00000")?.storedExpiry == .unknown)
            try await api.control.plans.refreshExpiries()
            let stored = try #require(try await api.control.catalog.backups(matching: BackupFilter(), limit: nil, after: nil).first)
            guard case .at = stored.storedExpiry else {
                Issue.record("expiry not stored: \(stored.storedExpiry)")
                return
            }
            #expect(try await expiries() == live)
            #expect(live.count == 125)
            #expect(!live.values.contains("null"), "automatic backups under the default policy expire")
        }
    }

    @Test("filters combine with pagination; an unknown database filter is 404")
    func filters() async throws {
        try await APIHarness.with { api, _ in
            try await APITestData.insertBackups(api.control, count: 10)
            try await api.test { (client) async throws in
                let db1 = try await client.call(.get, "/api/v1/backups?database=db1&limit=3", token: api.viewer).object
                let items = try #require(db1["items"] as? [[String: Any]])
                #expect(items.map { $0["database"] as? String } == ["db1", "db1", "db1"])
                #expect(db1["nextCursor"] is String)
                let failed = try await client.call(.get, "/api/v1/backups?status=failed", token: api.viewer).object
                #expect((failed["items"] as? [Any])?.isEmpty == true)
                #expect(failed["nextCursor"] is NSNull)
                #expect(try await client.call(.get, "/api/v1/backups?database=nope", token: api.viewer).status == 404)
            }
        }
    }

    @Test("operations page the same way")
    func pagesThroughOperations() async throws {
        try await APIHarness.with { api, _ in
            try await APITestData.insertBackups(api.control, count: 2)
            for _ in 0..<5 { _ = try await api.control.backups.enqueueVerify(id: "b00000", readData: false) }
            try await api.test { (client) async throws in
                let first = try await client.call(.get, "/api/v1/operations?limit=2", token: api.viewer).object
                let cursor = try #require(first["nextCursor"] as? String)
                let second = try await client.call(.get, "/api/v1/operations?limit=10&cursor=\(cursor)", token: api.viewer).object
                let ids = ((first["items"] as? [[String: Any]]) ?? []) + ((second["items"] as? [[String: Any]]) ?? [])
                #expect(Set(ids.compactMap { $0["id"] as? String }).count == 5)
                #expect(second["nextCursor"] is NSNull)
            }
        }
    }
}
