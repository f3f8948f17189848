import Foundation
import TidemarkCore

/// Watches a `pg_basebackup -Ft` stream as it passes, keeping what the manifest records:
/// the `backup_label` text, PostgreSQL's `backup_manifest` and the number of files.
struct BaseBackupScanner {
    /// `backup_manifest` lists every file (~150 B each): 256 MiB is over a million files.
    static let manifestLimit = 256 << 20

    private var reader = TarReader()
    private var keeping: String?
    private(set) var files = 0
    private(set) var bytes: Int64 = 0
    private(set) var backupLabel: [UInt8] = []
    private(set) var backupManifest: [UInt8] = []
    private(set) var sawEnd = false

    mutating func consume(_ buffer: [UInt8]) throws {
        bytes += Int64(buffer.count)
        // The reader is moved out while it calls back, so the callback may change `self`.
        var reader = self.reader
        defer { self.reader = reader }
        do {
            try reader.feed(buffer[...]) { event in try handle(event) }
        } catch is TarReader.MalformedArchive {
            throw EngineError(.dumpFailed, "pg_basebackup wrote something that is not a tar archive")
        }
    }

    private mutating func handle(_ event: TarReader.Event) throws {
        switch event {
        case .member(let header):
            if header.isRegularFile { files += 1 }
            keeping = header.isRegularFile && (header.path == "backup_label" || header.path == "backup_manifest") ? header.path : nil
        case .data(let data) where keeping == "backup_label":
            backupLabel.append(contentsOf: data)
        case .data(let data) where keeping == "backup_manifest":
            guard backupManifest.count + data.count <= Self.manifestLimit else {
                throw EngineError(.dumpFailed, "the backup_manifest of this cluster is larger than 256 MiB")
            }
            backupManifest.append(contentsOf: data)
        case .data:
            break
        case .memberEnd:
            keeping = nil
        case .end:
            sawEnd = true
        }
    }
}
