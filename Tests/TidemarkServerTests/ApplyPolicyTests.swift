import Foundation
import Testing
@testable import TidemarkControl
import TidemarkCore
import TidemarkTesting

/// `ControlPlane.apply` on policies: a change that deletes backups is shown and refused
/// without confirmation, and nothing is saved.
@Suite struct ApplyPolicyTests {
    @Test("a policy change that would delete backups is listed by a dry run and refused without --confirm")
    func deletingPolicyNeedsConfirm() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let time = ManualTime(start.addingTimeInterval(10 * 3600))
        try await APIHarness.with(now: { time.now }) { api, _ in
            try await APITestData.insertBackups(api.control, count: 10, start: start)
            let keepAll = DesiredState(policies: [RetentionPolicy(name: "default", days: 30)])
            #expect(try await api.control.apply(keepAll, dryRun: false).map(\.action) == [.update], "the built-in default policy exists")
            #expect(try await api.control.apply(keepAll, dryRun: false).map(\.action) == [.unchanged])
            // The backups are all from yesterday (UTC); one daily slot keeps only today's.
            let desired = DesiredState(policies: [RetentionPolicy.counting("default", daily: 1)])
            let dry = try await api.control.apply(desired, dryRun: true)
            #expect(dry.map(\.action) == [.update])
            #expect(dry.first?.details.contains { $0.hasPrefix("deletes 10 backups") } == true, "\(dry)")
            let error = await #expect(throws: ControlError.self) { _ = try await api.control.apply(desired, dryRun: false) }
            #expect(error?.code == "confirmation-required")
            #expect(try await api.control.plans.policy(named: "default").days == 30, "nothing saved")
            #expect(try await api.control.catalog.backups(matching: BackupFilter()).count == 10, "nothing deleted")
        }
    }
}
