import Foundation
import TidemarkCore

/// Watches a `pg_basebackup -Ft` stream as it passes, keeping what the manifest records:
/// the `backup_label` text, PostgreSQL's `backup_manifest` and the number of files.
struct BaseBackupScanner {
    /// `backup_manifest` lists every file (~150 B each): 256 MiB is over a million files.
    static let manifestLimit = 256 << 20

    private enum Phase {
        case header(padding: Int)
        case data(remaining: Int64, size: Int64, keeping: String?)
        case done
    }

    private var phase: Phase = .header(padding: 0)
    private var pending: [UInt8] = []
    private(set) var files = 0
    private(set) var bytes: Int64 = 0
    private(set) var backupLabel: [UInt8] = []
    private(set) var backupManifest: [UInt8] = []
    private(set) var sawEnd = false

    mutating func consume(_ buffer: [UInt8]) throws {
        bytes += Int64(buffer.count)
        var slice = buffer[...]
        while !slice.isEmpty {
            switch phase {
            case .done:
                return
            case .header(let padding):
                let wanted = padding + TarHeader.blockSize - pending.count
                pending.append(contentsOf: slice.prefix(wanted))
                slice = slice.dropFirst(wanted)
                guard pending.count == padding + TarHeader.blockSize else { continue }
                let block = pending[padding...]
                defer { pending.removeAll(keepingCapacity: true) }
                if TarHeader.isEndMarker(block) {
                    sawEnd = true
                    phase = .done
                    continue
                }
                guard let header = TarHeader(block) else {
                    throw EngineError(.dumpFailed, "pg_basebackup wrote something that is not a tar archive")
                }
                if header.isRegularFile { files += 1 }
                let keeping = header.isRegularFile && (header.path == "backup_label" || header.path == "backup_manifest") ? header.path : nil
                phase = header.size == 0 ? .header(padding: 0) : .data(remaining: header.size, size: header.size, keeping: keeping)
            case .data(let remaining, let size, let keeping):
                let taken = slice.prefix(Int(min(Int64(slice.count), remaining)))
                slice = slice.dropFirst(taken.count)
                if keeping == "backup_label" {
                    backupLabel.append(contentsOf: taken)
                } else if keeping == "backup_manifest" {
                    guard backupManifest.count + taken.count <= Self.manifestLimit else {
                        throw EngineError(.dumpFailed, "the backup_manifest of this cluster is larger than 256 MiB")
                    }
                    backupManifest.append(contentsOf: taken)
                }
                let left = remaining - Int64(taken.count)
                phase = left == 0 ? .header(padding: TarHeader.padding(after: size)) : .data(remaining: left, size: size, keeping: keeping)
            }
        }
    }
}
