package import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The directory through which a point-in-time restore hands archived WAL to PostgreSQL's
/// `restore_command` (`tidemark wal-fetch NAME DEST --spool DIR`).
///
/// The restore writes `.plan` first: every file it proved is in the archive, one name per
/// line. It then fetches those files ahead of the server (decrypted, atomically renamed into
/// place), following `.wanted`, the segment the server asked for last. `wal-fetch` copies a
/// file that is there (exit 0), waits for one that is planned, answers "not found" (exit 1)
/// only for a name outside the plan — the archive answered that it has no such file — and
/// aborts recovery (exit 128) when the restore wrote `.failed` or the wait runs out, so a
/// storage that is briefly unreachable can never make PostgreSQL end recovery early.
package struct WALSpool: Sendable {
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// `wal-fetch`'s exit codes, as PostgreSQL reads them.
    package enum FetchOutcome: Int32, Sendable {
        case delivered = 0
        /// The archive has no such file: end of WAL (or a timeline probe).
        case notFound = 1
        /// Above 125: PostgreSQL aborts recovery instead of treating it as the end of WAL.
        case abort = 128
    }

    package func path(of name: String) -> String { "\(directory)/\(name)" }

    /// Writes the list of files the restore will provide.
    package func writePlan(_ names: [String]) throws {
        try write(names.joined(separator: "\n") + "\n", to: ".plan")
    }

    package func plan() -> [String] {
        read(".plan").split(separator: "\n").map(String.init)
    }

    /// The segment the server asked for last.
    package func wanted() -> String? {
        let name = read(".wanted").trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? nil : name
    }

    /// Tells `wal-fetch` to give up: recovery cannot get its WAL.
    package func fail(_ message: String) {
        try? write(message + "\n", to: ".failed")
    }

    package func failure() -> String? {
        let text = read(".failed").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Places `contents` as file `name`, atomically (a reader never sees part of it).
    package func deliver(_ name: String, contents: [UInt8]) throws {
        let temporary = "\(directory)/.incoming-\(name)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(contents), attributes: [.posixPermissions: 0o644]) else {
            throw TidemarkError(code: "wal-spool-unwritable", message: "cannot write \(temporary)", category: .storage)
        }
        guard rename(temporary, path(of: name)) == 0 else {
            throw TidemarkError(code: "wal-spool-unwritable", message: "cannot move \(temporary) into place (errno \(errno))", category: .storage)
        }
    }

    /// `wal-fetch`: copies file `name` to `destination` once the restore has fetched it.
    /// - Parameters:
    ///   - timeout: how long to wait for a planned file before aborting recovery.
    package func fetch(_ name: String, to destination: String, timeout: TimeInterval, report: (String) -> Void) async -> FetchOutcome {
        let planned = Set(plan())
        guard planned.contains(name) else { return .notFound }
        if !name.hasSuffix(".history") { try? write(name + "\n", to: ".wanted") }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if FileManager.default.fileExists(atPath: path(of: name)) {
                do {
                    let temporary = destination + ".tidemark-partial"
                    try? FileManager.default.removeItem(atPath: temporary)
                    try FileManager.default.copyItem(atPath: path(of: name), toPath: temporary)
                    try? FileManager.default.removeItem(atPath: destination)
                    try FileManager.default.moveItem(atPath: temporary, toPath: destination)
                    return .delivered
                } catch {
                    report("wal-fetch: cannot copy \(name) to \(destination): \(error)")
                    return .abort
                }
            }
            if let failure = failure() {
                report("wal-fetch: the restore cannot fetch WAL: \(failure)")
                return .abort
            }
            if Date() > deadline {
                report("wal-fetch: \(name) did not arrive within \(Int(timeout)) s")
                return .abort
            }
            try? await Task.sleep(for: .milliseconds(25))
        }
    }

    private func write(_ text: String, to file: String) throws {
        let temporary = "\(directory)/\(file).tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]), rename(temporary, "\(directory)/\(file)") == 0 else {
            throw TidemarkError(code: "wal-spool-unwritable", message: "cannot write \(directory)/\(file)", category: .storage)
        }
    }

    private func read(_ file: String) -> String {
        (try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)) ?? ""
    }
}
