import Foundation
@testable import TidemarkControl
import TidemarkCore
import TidemarkEnvironment
import TidemarkTesting

import Testing

/// An instance manager whose servers are down and whose starts fail a given number of times
/// (fault injection for the supervisor; the real one is tested in ManagedInstanceEndToEndTests).
final class FailingStartInstanceManager: InstanceManager, @unchecked Sendable {
    private let lock = NSLock()
    private var failuresLeft: Int
    private var running: Set<String> = []
    private(set) var starts = 0

    init(failures: Int) { failuresLeft = failures }

    func kill(_ instance: ManagedInstance) { lock.withLock { _ = running.remove(instance.dataDirectory) } }
    var startCount: Int { lock.withLock { starts } }

    func create(_ instance: ManagedInstance, password: Secret<String>, database: String) async throws {}
    func start(_ instance: ManagedInstance) async throws {
        try lock.withLock {
            starts += 1
            if failuresLeft > 0 {
                failuresLeft -= 1
                throw TidemarkError(code: "database-unreachable", message: "pg_ctl failed: could not start server", category: .unavailable)
            }
            running.insert(instance.dataDirectory)
        }
    }
    func stop(_ instance: ManagedInstance) async throws { kill(instance) }
    func status(of instance: ManagedInstance) async -> InstanceStatus { lock.withLock { running.contains(instance.dataDirectory) ? .running : .stopped } }
    func remove(_ instance: ManagedInstance) async throws { kill(instance) }
    func baseBackup(of instance: ManagedInstance, into sink: ([UInt8]) async throws -> Void, progress: (Int64, Int64) -> Void) async throws -> BaseBackupSummary {
        throw TidemarkError(code: "not-supported", message: "no base backups here", category: .invalidInput)
    }
    func restore(_ instance: ManagedInstance, password: Secret<String>, recovery: RecoveryTarget?, from source: () async throws -> [UInt8]?) async throws {}
    func reconfigure(_ instance: ManagedInstance) async throws {}
    func heartbeat(_ instance: ManagedInstance) async throws {}
    func prepareSpool(at path: String) throws {}
    func archiverStatus(_ instance: ManagedInstance) async throws -> ArchiverStatus {
        ArchiverStatus(archivedCount: 0, lastArchivedWAL: nil, lastArchivedAt: nil, failedCount: 0, lastFailedAt: nil, waitingFiles: 0, oldestWaitingSeconds: 0, walDirectoryBytes: 0)
    }
}

@Suite struct InstanceSupervisionTests {
    func withSupervised(failures: Int, _ body: (ControlPlane, ManualTime, FailingStartInstanceManager) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let time = ManualTime(utc("2026-12-01T10:00:00Z"))
            let manager = FailingStartInstanceManager(failures: failures)
            let control = try Environment.embedded(directory: directory, now: { time.now }, instances: manager)
            let connection = DatabaseConnection(host: "127.0.0.1", port: 55001, user: "postgres", database: "shop")
            try await control.catalog.insertDatabase(DatabaseRecord(
                name: "shop", engine: .postgres, connection: connection, password: Secret("pw"), createdAt: time.now,
                managed: ManagedInstance(dataDirectory: "\(directory)/instances/shop/data", port: 55001)
            ))
            try await control.catalog.insertDatabase(DatabaseRecord(
                name: "parked", engine: .postgres, connection: connection, password: Secret("pw"), createdAt: time.now,
                managed: ManagedInstance(dataDirectory: "\(directory)/instances/parked/data", port: 55002, desiredState: .stopped)
            ))
            _ = try await control.webhooks.add(name: "ops", url: "http://127.0.0.1:9/hook", events: [.instanceFailing], database: nil, secret: nil)
            try await body(control, time, manager)
        }
    }

    func alerts(_ control: ControlPlane) async throws -> Int {
        try await control.catalog.deliveries(webhook: "ops", limit: 100).filter { $0.event == .instanceFailing }.count
    }

    @Test("a down instance is started; one stopped on purpose is left alone")
    func restartsDownInstances() async throws {
        try await withSupervised(failures: 0) { control, _, manager in
            var supervision = InstanceSupervision()
            #expect(await supervision.tick(control: control) == ["shop"])
            #expect(await supervision.tick(control: control) == [])
            #expect(manager.startCount == 1)
            let sent = try await alerts(control)
            #expect(sent == 0)
        }
    }

    @Test("failed starts back off (2, 4, 8 s) and the third in a row alerts once")
    func backoffAndAlert() async throws {
        try await withSupervised(failures: 5) { control, time, manager in
            var supervision = InstanceSupervision()
            _ = await supervision.tick(control: control)
            #expect(manager.startCount == 1)
            time.advance(by: 1)
            _ = await supervision.tick(control: control)
            #expect(manager.startCount == 1, "no new attempt before the 2 s backoff")
            time.advance(by: 1.5)
            _ = await supervision.tick(control: control)
            #expect(manager.startCount == 2)
            var sent = try await alerts(control)
            #expect(sent == 0)
            time.advance(by: 4.5)
            _ = await supervision.tick(control: control)
            #expect(manager.startCount == 3)
            sent = try await alerts(control)
            #expect(sent == 1)
            time.advance(by: 9)
            _ = await supervision.tick(control: control)
            #expect(manager.startCount == 4)
            sent = try await alerts(control)
            #expect(sent == 1, "alerted once, not on every failure")
        }
    }

    @Test("three restarts within ten minutes count as keeps dying")
    func keepsDying() async throws {
        try await withSupervised(failures: 0) { control, time, manager in
            var supervision = InstanceSupervision()
            let shop = try #require(try await control.catalog.database(named: "shop")?.managed)
            for round in 1...3 {
                #expect(await supervision.tick(control: control) == ["shop"])
                manager.kill(shop)
                time.advance(by: 60)
                let sent = try await alerts(control)
                #expect(sent == (round < 3 ? 0 : 1))
            }
        }
    }
}
