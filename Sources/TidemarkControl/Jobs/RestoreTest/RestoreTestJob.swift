import Foundation
import Logging
package import TidemarkCore
import TidemarkRepository

/// What a restore test is asked to do: test completed backup `backupID`.
package struct RestoreTestRequest: JobRequest {
    package var backupID: String
    /// The scratch database (or, for SQLite, file) the backup is restored into; recorded before
    /// it is created, so whoever finds the operation dead knows what to drop.
    package var scratch: String?

    package init(backupID: String) {
        self.backupID = backupID
    }

    package init(legacy parameters: [String: String], operation: OperationRecord) throws {
        throw TidemarkError(code: "invalid-operation", message: "operation \(operation.id) is a restore test stored without a typed request", category: .internal)
    }
}

/// A restore test (SPEC §4.5): restores a logical backup into a scratch database on its
/// source's server (a hidden file beside a SQLite source), reads it back through the engine's
/// dump — counting rows and, where the engine has one, digesting them as the stored stream was
/// digested while it was restored — compares table list, exact row counts and digests with the
/// manifest, drops the scratch target, and records the result on the backup and in its
/// repository. A failed test fails the operation with `restore-test-failed` and fires
/// `test-restore.failed`.
package struct RestoreTestJob: Job {
    package init() {}

    package static let kind = OperationKind.test
    package static let steps = ["checking", "loading index", "restoring", "comparing", "dropping", "recording"]
    /// A test runs where the operation is started; a failed one is a finding, not a fault to retry.
    package static var retry: JobRetry { .never }

    /// Free disk the scratch target's file system must have, as a multiple of the backup's
    /// logical size (Databasus asks for twice the backup; a restored database with its indexes
    /// is bigger than its dump).
    static let freeSpaceFactor: Int64 = 2

    /// - Throws: `backup-not-found`, `backup-not-completed`, `engine-not-supported` (physical
    ///   backups), `database-not-registered`, `database-deprovisioned`,
    ///   `restore-test-in-progress`, `insufficient-space`, `passphrase-missing`.
    package func preflight(_ request: RestoreTestRequest, control: ControlPlane) async throws -> Preflighted<RestoreTestRequest> {
        let backup = try await control.catalog.requireCompletedBackup(id: request.backupID)
        guard backup.method == .logical else {
            throw ControlError(
                .engineNotSupported, "backup \(backup.id) is a physical backup; restore tests cover logical backups so far",
                hint: "Test a logical backup of the same database, or restore this one with 'tidemark restore \(backup.id) --to NAME' and check it."
            )
        }
        let source = try await control.catalog.requireDatabase(named: backup.database)
        if source.deprovisionedAt != nil {
            throw ControlError(.databaseDeprovisioned, "\(source.name) was deprovisioned; its backups have no server to be tested on", hint: "Restore the backup into a new database instead.")
        }
        _ = try await control.storages.get(named: backup.storage)
        _ = try control.passphrase()
        if let running = try await Self.runningTest(control: control) {
            throw ControlError(
                .restoreTestInProgress, "restore test \(running.id) (\(running.summary)) is running on this host; one runs at a time",
                hint: "Wait for it ('tidemark op show \(running.id)'), then test again."
            )
        }
        try Self.checkFreeSpace(for: backup, source: source)
        return Preflighted(request, summary: "restore test of backup \(backup.id) of \(backup.database)", database: backup.database, backupID: backup.id)
    }

    package func perform(_ request: RestoreTestRequest, run: OperationRun, control: ControlPlane) async throws -> RestoreTestResult {
        try await control.performRestoreTest(request, run: run)
    }

    /// Drops the scratch target of a test whose process died.
    package func cleanUpAfterDeath(_ operation: OperationRecord, request: RestoreTestRequest, died: String, control: ControlPlane) async -> [String: String]? {
        guard let scratch = request.scratch, let name = operation.database, let source = try? await control.catalog.requireDatabase(named: name),
            let engine = try? control.engine(source.engine)
        else { return nil }
        let line: OperationLogLine
        do {
            try await engine.dropDatabase(scratch, on: source.target)
            line = OperationLogLine(time: control.now(), level: "warning", message: "\(died); dropped the scratch target \(scratch)")
        } catch {
            line = OperationLogLine(time: control.now(), level: "warning", message: "\(died); could not drop the scratch target \(scratch): \(ErrorInfo(error).message)")
        }
        try? await control.catalog.appendLog(operationID: operation.id, line: line)
        return nil
    }

    /// A restore test operation running now, if any.
    static func runningTest(control: ControlPlane) async throws -> OperationRecord? {
        try await control.catalog.operations(status: .running, limit: nil, after: nil).first { $0.kind == .test }
    }

    /// Refuses a test whose scratch target's file system (a SQLite source's directory, a
    /// managed instance's data directory) has less free space than it needs; the disk of an
    /// external server cannot be seen from here and is not checked.
    static func checkFreeSpace(for backup: BackupRecord, source: DatabaseRecord) throws {
        let directory: String
        if let managed = source.managed {
            directory = managed.dataDirectory
        } else if case .file(let path) = source.connection.location {
            directory = (path as NSString).deletingLastPathComponent
        } else {
            return
        }
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory),
            let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value
        else { return }
        let needed = backup.logicalBytes * freeSpaceFactor
        guard free >= needed else {
            throw ControlError(
                .insufficientSpace,
                "the restore test of backup \(backup.id) needs \(HumanFormat.bytes(needed)) free in \(directory) (twice the backup's \(HumanFormat.bytes(backup.logicalBytes))); \(HumanFormat.bytes(free)) are free",
                hint: "Free disk space there, then test again."
            )
        }
    }
}

extension ControlPlane {
    fileprivate func performRestoreTest(_ request: RestoreTestRequest, run: OperationRun) async throws -> RestoreTestResult {
        try await run.step("checking")
        let backup = try await catalog.requireCompletedBackup(id: request.backupID)
        let source = try await catalog.requireDatabase(named: backup.database)
        let engine = try engine(source.engine)
        let scratch = request.scratch ?? Self.scratchName(for: source, operationID: run.id)
        var recorded = request
        recorded.scratch = scratch
        try await run.update(request: recorded)
        let repository = try await openRepository(try await storage(named: backup.storage))
        let started = now()
        var clock = PhaseClock(start: started, now: now)
        var bytes: Int64 = 0
        var test = RestoreTestResult(
            backupID: backup.id, operationID: run.id, startedAt: started, finishedAt: started, passed: false, target: scratch,
            phases: [], bytesRestored: 0, tablesChecked: 0, mismatches: []
        )
        do {
            if try await engine.databaseExists(scratch, on: source.target) {
                try await engine.dropDatabase(scratch, on: source.target)
                try await run.log("dropped \(scratch), left by an earlier attempt", level: .warning)
            }
            try await run.step("loading index")
            let manifest = try await repository.manifest(id: backup.id)
            guard let stream = manifest.streams.first else {
                throw ControlError(.backupNotRestorable, "backup \(backup.id) has no data stream")
            }
            let index = try await repository.loadIndex()
            let plan = try engine.planRestore(.everything, objects: manifest.dumpObjects, options: RestoreOptions())
            run.progress { $0.bytesTotal = stream.size }
            try await run.step("restoring")
            let stored = engine.makeRowDigester()
            try await repository.withStreamReader(stream, index: index) { reader in
                try await engine.restore(plan, server: source.target, newDatabase: scratch) {
                    let chunk = try await run.nextChunk(of: reader)
                    if let chunk {
                        bytes += Int64(chunk.count)
                        try stored?.consume(chunk)
                    }
                    return chunk
                }
            }
            test.phases.append(clock.lap("restore"))
            test.bytesRestored = bytes
            try await run.log("restored \(HumanFormat.bytes(bytes)) into \(scratch) in \(HumanFormat.duration(seconds: test.phases[0].seconds))")

            try await run.step("comparing")
            let restored = engine.makeRowDigester()
            let readBack = try await engine.dump(source.target.with(database: scratch), into: { try restored?.consume($0) }, progress: { _, _ in })
            let expected = manifest.databases.flatMap(\.tables)
            test.tablesChecked = expected.count
            test.mismatches = RestoreTestComparison.mismatches(
                expected: expected, actual: readBack.databases.flatMap(\.tables),
                expectedDigests: try stored?.digests() ?? [:], actualDigests: try restored?.digests() ?? [:],
                defaultSchema: engine.capabilities.defaultSchema
            )
            test.phases.append(clock.lap("compare"))
            for mismatch in test.mismatches {
                try await run.log("\(mismatch.table): \(mismatch.problem)", level: .error)
            }
            try await run.step("dropping")
            try await engine.dropDatabase(scratch, on: source.target)
            test.phases.append(clock.lap("drop"))
            test.passed = test.mismatches.isEmpty
        } catch {
            try? await engine.dropDatabase(scratch, on: source.target)
            guard run.outcome(of: error) == .failed else { throw error }
            test.phases.append(clock.lap(test.phases.isEmpty ? "restore" : "compare"))
            test.error = ErrorInfo(error)
        }
        test.finishedAt = clock.last
        try await run.step("recording")
        try await catalog.recordRestoreTest(test)
        do {
            try await repository.saveRestoreTest(test)
        } catch {
            try await run.log("the result is in the catalog but could not be written to storage \(backup.storage): \(ErrorInfo(error).message)", level: .warning)
        }
        metrics.restoreTestFinished(database: backup.database, passed: test.passed, seconds: test.seconds, at: test.finishedAt)
        guard test.passed else {
            let failure = RestoreTestFailedError(result: test)
            try await run.log(failure.message, level: .error)
            var failed = backup
            failed.lastTest = test
            await notify(Notice(.testRestoreFailed, status: "failed", database: backup.database, storage: backup.storage, message: failure.message, backup: failed))
            throw failure
        }
        try await run.log("passed: \(test.tablesChecked) tables as recorded, restore time \(HumanFormat.duration(seconds: test.seconds))")
        try await run.complete(result: ["passed": "true", "tables": "\(test.tablesChecked)", "seconds": String(format: "%.3f", test.seconds)])
        return test
    }

    /// Where a test of a backup of `source` restores: `tidemark_test_<operation>` on the
    /// source's server; for a SQLite file, a hidden file beside it.
    static func scratchName(for source: DatabaseRecord, operationID: String) -> String {
        if case .file(let path) = source.connection.location {
            return "\((path as NSString).deletingLastPathComponent)/.tidemark-test-\(operationID).db"
        }
        return "tidemark_test_\(operationID)"
    }
}

/// Wall time per phase, from one clock reading to the next, so the phases add up to the total.
private struct PhaseClock {
    private(set) var last: Date
    let now: @Sendable () -> Date

    init(start: Date, now: @escaping @Sendable () -> Date) {
        self.last = start
        self.now = now
    }

    mutating func lap(_ name: String) -> RestoreTestResult.Phase {
        let time = now()
        defer { last = time }
        return RestoreTestResult.Phase(name: name, seconds: time.timeIntervalSince(last))
    }
}

/// A restore test that failed: the result is recorded; the error says what differed.
package struct RestoreTestFailedError: UserFacingError {
    package var result: RestoreTestResult

    package var code: String { ControlError.Code.restoreTestFailed.rawValue }
    package var category: ErrorCategory { .integrity }

    package var message: String {
        if let error = result.error {
            return "the restore test of backup \(result.backupID) failed: \(error.message)"
        }
        let first = result.mismatches.first.map { ", first \($0.table): \($0.problem)" } ?? ""
        return "the restore test of backup \(result.backupID) failed: \(result.mismatches.count) of \(result.tablesChecked) tables differ\(first)"
    }

    package var hint: String? {
        if result.error != nil { return "Fix the cause and test again; 'tidemark op logs \(result.operationID)' has the details." }
        return "Take a new backup and test it; 'tidemark backup show \(result.backupID)' lists every table that differs."
    }
}
