import Foundation
import Synchronization
import Logging
import TidemarkEnvironment
import TidemarkControl
import TidemarkCore
import TidemarkStorage

/// `tidemark-bench scheduler-fill DIR [DATABASES]` fills a fresh SQLite catalog in DIR with
/// DATABASES databases (default 10,000), each with a plan and 30 completed backups;
/// `tidemark-bench scheduler DIR [DATABASES]` then times the scheduler tick and the catalog
/// queries behind the CLI and the dashboard (SPEC §8: tick under 100 ms).
///
/// Plans are spread over the hour (`0 M * * * *` with M = index mod 60) like a real fleet.
/// Filling commits row by row (each a durable SQLite transaction), so bench/scheduler.sh fills
/// on tmpfs and copies the file to disk before timing.
enum SchedulerBench {
    private static let start = utc(2026, 11, 21, 10, 0, 30)

    static func fill(directory: String, databases count: Int) async throws {
        let (catalog, control, _) = try open(directory)
        try await catalog.insertStorage(StorageRecord(name: "local1", settings: .local(path: "\(directory)/repo"), repositoryID: "r", createdAt: start))
        let filling = ContinuousClock.now
        for index in 0..<count {
            let name = "db\(index)"
            let connection = DatabaseConnection(host: "127.0.0.1", port: 5432, user: "app", database: name)
            try await catalog.insertDatabase(DatabaseRecord(name: name, engine: .postgres, connection: connection, password: Secret("pw\(index)"), createdAt: start))
            _ = try await control.plans.set(database: name, PlanChange(schedule: "0 \(index % 60) * * * *"))
            for day in 0..<30 {
                let taken = start.addingTimeInterval(-Double(day) * 86_400)
                try await catalog.insertBackup(
                    BackupRecord(
                        id: "b\(index)-\(day)", database: name, storage: "local1", status: .completed, trigger: .automatic, method: .logical,
                        engine: .postgres, startedAt: taken, finishedAt: taken.addingTimeInterval(60), logicalBytes: 1 << 30, storedBytes: 1 << 24
                    )
                )
            }
        }
        print("filled \(count) databases, \(count) plans, \(count * 30) backups in \(String(format: "%.1f", seconds(ContinuousClock.now - filling))) s")
    }

    private static func open(_ directory: String) throws -> (any Catalog, ControlPlane, BenchClock) {
        let clock = BenchClock(start)
        let control = try Environment.embedded(directory: directory, engines: [:], now: { clock.now }, passphrase: { Secret("bench") }, logger: Logger(label: "bench"))
        // Rows go straight into the catalog file, as a fixture would write them.
        let catalog = try Environment.embeddedCatalog(directory: directory)
        return (catalog, control, clock)
    }

    static func run(directory: String, databases count: Int) async throws {
        let (catalog, control, clock) = try open(directory)

        // Idle ticks: nothing due (the common case, every second).
        var idle: [Double] = []
        for _ in 0..<200 {
            idle.append(try await time { _ = try await control.schedulerTick(at: start) })
        }
        report("tick, nothing due (200 ticks)", idle)

        // Steady state: one minute's share of the fleet due per tick.
        var steady: [Double] = []
        var due = 0
        for minute in 1...30 {
            let now = start.addingTimeInterval(Double(minute) * 60 - 30)
            clock.set(now)
            steady.append(try await time { due += try await control.schedulerTick(at: now).queued })
            // The workers would have claimed them; mark them done so the next minute queues again.
            try await finishPending(catalog)
        }
        report("tick, 1/60 of plans due (30 ticks, \(due / 30) queued each)", steady)

        // Burst: every plan due at once (the server was down for an hour); ticks take at most
        // 1,000 plans each, so the burst drains over several ticks, each one short.
        let late = start.addingTimeInterval(2 * 3_600)
        clock.set(late)
        var queued = 0
        var burst: [Double] = []
        while queued < count, burst.count < 100 {
            burst.append(try await time { queued += try await control.schedulerTick(at: late).queued })
        }
        report("tick, all \(count) plans due at once (\(queued) queued in \(burst.count) ticks)", burst)

        var planLookups: [Double] = []
        for index in stride(from: 0, to: count, by: max(1, count / 200)) {
            planLookups.append(try await time { _ = try await catalog.plan(database: "db\(index)") })
        }
        report("catalog: plan of one database", planLookups)
        var backupLists: [Double] = []
        for index in stride(from: 0, to: count, by: max(1, count / 100)) {
            backupLists.append(try await time { _ = try await catalog.backups(matching: BackupFilter(database: "db\(index)")) })
        }
        report("catalog: backups of one database (30 rows)", backupLists)
        report("catalog: all plans (\(count) rows)", [try await time { _ = try await catalog.plans() }, try await time { _ = try await catalog.plans() }])
        report("catalog: pending operations (\(queued) rows)", [try await time { _ = try await catalog.operations(status: .pending) }])
        report("catalog: claim next operation", try await (0..<50).asyncMap { _ in try await time { _ = try await control.operations.claimNext() } })
    }

    private static func finishPending(_ catalog: any Catalog) async throws {
        for var operation in try await catalog.operations(status: .pending) {
            operation.status = .completed
            try await catalog.updateOperation(operation)
        }
    }

    private static func time(_ body: () async throws -> Void) async throws -> Double {
        let begin = ContinuousClock.now
        try await body()
        return seconds(ContinuousClock.now - begin) * 1_000
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func report(_ label: String, _ milliseconds: [Double]) {
        let sorted = milliseconds.sorted()
        let median = sorted[sorted.count / 2]
        let p99 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.99).rounded(.up)) - 1)]
        let format = { (value: Double) in String(format: "%.2f", value) }
        print("\(label): median \(format(median)) ms, p99 \(format(p99)) ms, max \(format(sorted.last ?? 0)) ms")
    }

    private static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)) ?? Date()
    }
}

extension Range where Bound == Int {
    fileprivate func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for value in self { result.append(try await transform(value)) }
        return result
    }
}

/// The bench's settable "now".
final class BenchClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func set(_ date: Date) { current.withLock { $0 = date } }
}
