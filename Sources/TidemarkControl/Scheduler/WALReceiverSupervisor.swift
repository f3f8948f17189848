import Foundation
import Logging
import ServiceLifecycle
import TidemarkCore

/// The `serve` service that archives the WAL of external servers (SPEC §4.8).
///
/// For every external database whose plan archives (`WALStreaming.active`), it keeps one
/// `pg_receivewal` running from the database's replication slot into
/// `<home>/wal-receive/<namespace>/`, started again with a backoff (2, 4 … 60 s) when it
/// ends. Every `interval` it uploads the segments the receiver completed (and timeline
/// history files), oldest first, deleting each local file only once it is stored; every
/// `walPartialSeconds` it uploads the segment still being written as a partial snapshot, so
/// the newest restorable time trails the server by about that much. Every 10 s it reads the
/// slot: its state goes to the metrics, and a slot that stayed inactive (or lost WAL) for
/// `walAlertSeconds` sends `wal.archiving-failed` once, `wal.archiving-recovered` when it is
/// streaming again.
package struct WALReceiverSupervisor<C: Clock>: Service where C.Duration == Duration {
    package let control: ControlPlane
    package let interval: Duration
    package let clock: C

    package init(control: ControlPlane, interval: Duration = .seconds(2), clock: C) {
        self.control = control
        self.interval = interval
        self.clock = clock
    }

    package func run() async throws {
        let processes = WALReceiverProcesses()
        await cancelWhenGracefulShutdown {
            var state = WALReceiving()
            while !Task.isCancelled {
                await state.tick(control: control, processes: processes)
                do {
                    try await clock.sleep(for: interval)
                } catch {
                    break
                }
            }
        }
        await processes.stopAll()
    }
}

/// The `pg_receivewal` processes `serve` runs, by database name.
actor WALReceiverProcesses {
    private var tasks: [String: Task<Void, Never>] = [:]
    private var exits: [String: String] = [:]

    func isRunning(_ name: String) -> Bool { tasks[name] != nil }

    /// Runs `body` (the receiver) in a task of its own; what it returns is kept as its exit.
    func start(_ name: String, _ body: @escaping @Sendable () async -> String) {
        exits[name] = nil
        tasks[name] = Task {
            let exit = await body()
            self.exited(name, exit)
        }
    }

    /// How the last receiver of `name` ended, once (nil: still running, or already told).
    func takeExit(_ name: String) -> String? {
        exits.removeValue(forKey: name)
    }

    private func exited(_ name: String, _ exit: String) {
        tasks[name] = nil
        exits[name] = exit
    }

    /// Stops the receiver of `name` (its process is killed) and waits for it.
    func stop(_ name: String) async {
        guard let task = tasks.removeValue(forKey: name) else { return }
        task.cancel()
        await task.value
        exits[name] = nil
    }

    var running: [String] { Array(tasks.keys) }

    func stopAll() async {
        for name in running { await stop(name) }
    }
}

/// What the receiver supervisor remembers between ticks, per database.
struct WALReceiving: Sendable {
    struct Entry: Sendable {
        var startedAt: Date?
        var failures = 0
        var nextStart: Date?
        var lastExit: String?
        var lastPartial: WALFileIdentity?
        var lastPartialAt: Date = .distantPast
        var lastSlotCheck: Date = .distantPast
        var unhealthySince: Date?
        var alerted = false
    }

    private var entries: [String: Entry] = [:]
    static let slotCheckSeconds: TimeInterval = 10

    mutating func tick(control: ControlPlane, processes: WALReceiverProcesses) async {
        guard let root = control.configuration.walReceiveRoot, let client = control.replication,
              let databases = try? await control.catalog.databases()
        else { return }
        let streaming = databases.filter { $0.deprovisionedAt == nil && $0.managed == nil && $0.walStreaming?.active == true }
        let wanted = Set(streaming.map(\.name))
        for name in Set(await processes.running).union(entries.keys) where !wanted.contains(name) {
            await processes.stop(name)
            _ = await processes.takeExit(name)
            entries[name] = nil
            control.logger.info("WAL receiver of \(name) stopped: its plan no longer archives")
        }
        for database in streaming {
            guard let settings = database.walStreaming else { continue }
            var entry = entries[database.name] ?? Entry()
            let directory = "\(root)/\(settings.namespace)"
            await supervise(database, settings: settings, directory: directory, entry: &entry, control: control, client: client, processes: processes)
            await upload(directory: directory, namespace: settings.namespace, entry: &entry, control: control)
            if control.now().timeIntervalSince(entry.lastSlotCheck) >= Self.slotCheckSeconds {
                entry.lastSlotCheck = control.now()
                await watchSlot(database, settings: settings, entry: &entry, control: control, client: client)
            }
            entries[database.name] = entry
        }
    }

    /// Starts the receiver when it is not running and its backoff has passed.
    private func supervise(
        _ database: DatabaseRecord, settings: WALStreaming, directory: String, entry: inout Entry,
        control: ControlPlane, client: any ReplicationClient, processes: WALReceiverProcesses
    ) async {
        let time = control.now()
        if let exit = await processes.takeExit(database.name) {
            // A receiver that streamed for a minute was fine: its end is a new first failure.
            if let started = entry.startedAt, time.timeIntervalSince(started) >= 60 { entry.failures = 0 }
            entry.failures += 1
            entry.startedAt = nil
            entry.lastExit = exit
            let delay = min(60, pow(2, Double(entry.failures)))
            entry.nextStart = time.addingTimeInterval(delay)
            control.logger.warning("WAL receiver of \(database.name) ended (\(exit)); starting it again in \(Int(delay)) s")
        }
        guard await !processes.isRunning(database.name) else { return }
        if let next = entry.nextStart, time < next { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            control.logger.error("WAL receiver of \(database.name): cannot create \(directory): \(error)")
            entry.nextStart = time.addingTimeInterval(60)
            return
        }
        if entry.failures > 0 { control.metrics.walReceiverRestarted() }
        entry.startedAt = time
        let target = database.target
        let slot = settings.slot
        await processes.start(database.name) {
            do {
                let outcome = try await client.receiveWAL(from: target, slot: slot, into: directory)
                let detail = outcome.standardError.split(separator: "\n").last.map(String.init) ?? ""
                return "exit \(outcome.exitCode)\(detail.isEmpty ? "" : ": \(detail)")"
            } catch {
                return ErrorInfo(error).message
            }
        }
        control.logger.info("WAL receiver of \(database.name) started from slot \(slot)")
    }

    /// Stores what the receiver finished (segments, history files) and, when due, a snapshot
    /// of the segment it is writing. A local file is deleted only after it is stored; the
    /// first failure ends the pass, so files are stored in order.
    private func upload(directory: String, namespace: String, entry: inout Entry, control: ControlPlane) async {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names.sorted() where Self.isFinished(name) {
            let path = "\(directory)/\(name)"
            do {
                let (contents, writtenAt) = try Self.read(path)
                _ = try await control.walArchive.push(namespace: namespace, name: name, contents: contents, writtenAt: writtenAt)
                try FileManager.default.removeItem(atPath: path)
            } catch {
                control.logger.warning("WAL receiver: \(name) of namespace \(namespace) is not stored yet: \(ErrorInfo(error).message)")
                return
            }
        }
        guard control.now().timeIntervalSince(entry.lastPartialAt) >= control.configuration.walPartialSeconds,
              let partial = names.filter({ WALFileName.isPartialName($0) }).max()
        else { return }
        let path = "\(directory)/\(partial)"
        guard let identity = WALFileIdentity(path: path), identity != entry.lastPartial else { return }
        do {
            let (contents, writtenAt) = try Self.read(path)
            _ = try await control.walArchive.push(namespace: namespace, name: partial, contents: contents, writtenAt: writtenAt, replacing: true)
            entry.lastPartial = identity
            entry.lastPartialAt = control.now()
        } catch {
            control.logger.warning("WAL receiver: snapshot of \(partial) of namespace \(namespace) is not stored: \(ErrorInfo(error).message)")
        }
    }

    /// A completed segment (24 hex digits) or a timeline history file.
    static func isFinished(_ name: String) -> Bool {
        (name.count == 24 && name.allSatisfy(\.isHexDigit)) || (name.count == 16 && name.hasSuffix(".history") && name.prefix(8).allSatisfy(\.isHexDigit))
    }

    /// The file's bytes and its modification time (every commit in it is older).
    static func read(_ path: String) throws -> ([UInt8], Date) {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let modified = attributes[.modificationDate] as? Date ?? Date()
        return (Array(try Data(contentsOf: URL(fileURLWithPath: path))), modified)
    }

    /// Reads the slot into the metrics; alerts once when it stayed inactive or lost WAL.
    private func watchSlot(_ database: DatabaseRecord, settings: WALStreaming, entry: inout Entry, control: ControlPlane, client: any ReplicationClient) async {
        var problem: String?
        do {
            let status = try await client.slotStatus(settings.slot, on: database.target)
            control.metrics.replicationSlot(database: database.name, status)
            if let status {
                if status.walStatus == "lost" {
                    problem = "replication slot \(settings.slot) lost WAL the archive needs (wal_status lost: max_slot_wal_keep_size exceeded); the recovery window has a gap until the next base backup"
                } else if !status.active {
                    problem = "replication slot \(settings.slot) has no receiver; the server keeps \(HumanFormat.bytes(status.retainedBytes)) of WAL for it"
                }
            } else {
                problem = "replication slot \(settings.slot) does not exist on the server"
            }
        } catch {
            control.metrics.replicationSlot(database: database.name, nil)
            problem = "the server cannot be asked about replication slot \(settings.slot): \(ErrorInfo(error).message)"
        }
        let time = control.now()
        guard let problem else {
            entry.unhealthySince = nil
            if entry.alerted {
                entry.alerted = false
                let message = "WAL streaming of \(database.name) works again (slot \(settings.slot) active)"
                control.logger.info("\(message)")
                await control.notify(Notice(.walArchivingRecovered, status: "recovered", database: database.name, message: message))
            }
            return
        }
        let since = entry.unhealthySince ?? time
        entry.unhealthySince = since
        guard !entry.alerted, time.timeIntervalSince(since) >= control.configuration.walAlertSeconds else { return }
        entry.alerted = true
        let message = "WAL of \(database.name) is not being archived for \(Int(time.timeIntervalSince(since))) s: \(problem)"
            + (entry.lastExit.map { "; the receiver last ended with \($0)" } ?? "")
        control.logger.warning("\(message)")
        await control.notify(Notice(.walArchivingFailed, status: "failing", database: database.name, message: message))
    }
}
