import Crypto
package import Foundation
package import TidemarkCore

/// The WAL archive of the repository (docs/FORMAT.md, "WAL archive"): each WAL file is one
/// object, compressed and sealed on its own, named
/// `wal/<namespace>/<timeline>/<file name>-<tag>-<written at, ms>` in lower case, where the tag
/// is the first 16 hex digits of HMAC-SHA-256(id key, contents). The name carries what the
/// recovery window needs, so the window is computed from one listing without reading objects.
extension Repository {
    /// Stores `contents` as WAL file `name` of `namespace`, once.
    /// - Parameter replacing: for a `.partial` snapshot of the segment being received from an
    ///   external server, which grows: other contents under the name are stored as a new
    ///   object and the older snapshots are deleted once it is stored (never before).
    /// - Parameter tag: ``walTag(of:)`` of `contents` when the caller computed it already (it
    ///   hashes 16 MiB; computed here otherwise).
    /// - Returns: `.alreadyStored` when the same file with the same contents is already there.
    /// - Throws: `RepositoryError` `wal-conflict` when the archive holds that name with other
    ///   contents (never overwritten); `invalid-wal-name` for a name PostgreSQL would not write.
    package func pushWAL(namespace: String, name: String, contents: [UInt8], writtenAt: Date, replacing: Bool = false, tag known: String? = nil) async throws -> WALPushOutcome {
        // The smallest segment size allows the most segments per log: every valid name parses.
        // Backup history files (`<segment>.<offset>.backup`) and the `.partial` segment a
        // promotion leaves are kept too, for people reading the archive; recovery never asks.
        let segmentPart = String(name.prefix(24))
        let isBackupHistory = name.count == 40 && name.hasSuffix(".backup") && name.dropFirst(25).prefix(8).allSatisfy(\.isHexDigit)
        let isPartial = WALFileName.isPartialName(name)
        guard let file = WALFileName(isBackupHistory || isPartial ? segmentPart : name, segmentSize: 1 << 20) else {
            throw TidemarkError(code: "invalid-wal-name", message: "'\(name)' is not a WAL segment, partial segment, timeline history or backup history file name", category: .invalidInput)
        }
        let tag = known ?? Self.walTag(master.chunkID(of: contents))
        let prefix = "\(Self.walDirectory(namespace: namespace, timeline: file.timeline))\(name.lowercased())-"
        let existing = try await store.list(prefix: prefix)
        let replaces = replacing && isPartial
        if !existing.isEmpty {
            if existing.contains(where: { Self.parseWALKey($0.key)?.tag == tag }) { return .alreadyStored }
            if !replaces { throw RepositoryError(
                .walConflict, "the WAL archive already holds \(name) with different contents; it was not overwritten",
                hint: "Two clusters may be archiving into one namespace, or a restored server kept its source's archive_command. Check the instance and 'tidemark db show'."
            ) }
        }
        let millis = Int64((writtenAt.timeIntervalSince1970 * 1000).rounded(.down))
        let key = "\(prefix)\(tag)-\(millis)"
        let sealed = try sealer.seal(Payload.encode(contents, level: config.compression.level, contexts: Self.walCompressors), associatedData: Self.walLabel(key))
        try await store.put(sealed, at: key)
        if replaces && !existing.isEmpty { try await store.delete(keys: existing.map(\.key)) }
        return .stored
    }

    /// Deletes the partial snapshots of segment `name` (the complete segment is stored).
    package func deletePartialWAL(namespace: String, segment name: String) async throws {
        guard let file = WALFileName(name, segmentSize: 1 << 20) else { return }
        let prefix = "\(Self.walDirectory(namespace: namespace, timeline: file.timeline))\(name.lowercased()).partial-"
        let keys = try await store.list(prefix: prefix).map(\.key)
        if !keys.isEmpty { try await store.delete(keys: keys) }
    }

    /// Every WAL file archived for `namespace`, in name order; objects whose names do not parse
    /// are left out (they are not Tidemark's).
    /// - Parameter segmentSize: the cluster's `wal_segment_size`.
    package func listWAL(namespace: String, segmentSize: Int) async throws -> [ArchivedWAL] {
        var files: [ArchivedWAL] = []
        var seen: Set<WALFileName> = []
        for info in try await store.list(prefix: RepositoryLayout.walPrefix(namespace: namespace)) {
            guard let parsed = Self.parseWALKey(info.key) else { continue }
            if WALFileName.isPartialName(parsed.name), let name = WALFileName(String(parsed.name.prefix(24)), segmentSize: segmentSize) {
                files.append(ArchivedWAL(name: name, writtenAt: parsed.writtenAt, key: info.key, size: info.size, isPartial: true))
                continue
            }
            guard let name = WALFileName(parsed.name, segmentSize: segmentSize) else { continue }
            // Two pushes racing on one file may both store it; either copy serves.
            guard seen.insert(name).inserted else { continue }
            files.append(ArchivedWAL(name: name, writtenAt: parsed.writtenAt, key: info.key, size: info.size))
        }
        return files.sorted { ($0.name, $0.isPartial ? 1 : 0) < ($1.name, $1.isPartial ? 1 : 0) }
    }

    /// The contents of an archived WAL file, authenticated and checked against its tag.
    ///
    /// A partial snapshot is replaced while the segment is still received (by a newer
    /// snapshot, then by the complete segment), so one listed before a restore can be gone
    /// when the restore fetches it: the segment's newest stored version is fetched instead.
    /// It holds the same WAL and more after it, which recovery replays as far as it needs.
    /// - Throws: `RepositoryError` `object-missing` or `object-corrupted`.
    package func fetchWAL(_ file: ArchivedWAL) async throws -> [UInt8] {
        let sealed: [UInt8]
        do {
            sealed = try await getObject(file.key)
        } catch let error as RepositoryError where error.kind == .objectMissing && file.isPartial {
            guard let newer = try await newestVersion(of: file) else { throw error }
            return try await fetchWAL(newer)
        }
        let contents = try Payload.decode(try sealer.open(sealed, associatedData: Self.walLabel(file.key), what: file.key))
        guard let parsed = Self.parseWALKey(file.key), Self.walTag(master.chunkID(of: contents)) == parsed.tag else {
            throw RepositoryError(.objectCorrupted, "\(file.key) does not hold the WAL its name says")
        }
        return contents
    }

    /// The complete segment `partial` is a snapshot of, or else its newest other snapshot.
    private func newestVersion(of partial: ArchivedWAL) async throws -> ArchivedWAL? {
        guard let slash = partial.key.lastIndex(of: "/") else { return nil }
        let prefix = String(partial.key[...slash]) + partial.name.description.lowercased()
        var complete: ArchivedWAL?
        var snapshot: ArchivedWAL?
        for info in try await store.list(prefix: prefix) where info.key != partial.key {
            // Backup history files (`<segment>.<offset>.backup`) share the prefix: skipped.
            guard let parsed = Self.parseWALKey(info.key) else { continue }
            let isPartial = WALFileName.isPartialName(parsed.name)
            guard isPartial || parsed.name.count == 24 else { continue }
            let version = ArchivedWAL(name: partial.name, writtenAt: parsed.writtenAt, key: info.key, size: info.size, isPartial: isPartial)
            if !version.isPartial {
                complete = version
            } else if snapshot.map({ version.writtenAt > $0.writtenAt }) ?? true {
                snapshot = version
            }
        }
        return complete ?? snapshot
    }

    /// Removes archived WAL files (retention).
    package func deleteWAL(_ files: [ArchivedWAL]) async throws {
        try await store.delete(keys: files.map(\.key))
    }

    /// The tag a WAL file with `contents` is stored under (the first 16 hex digits of its HMAC).
    package func walTag(of contents: [UInt8]) -> String {
        Self.walTag(master.chunkID(of: contents))
    }

    /// zstd contexts kept between pushes: a new context per 16 MiB segment costs its tables'
    /// allocation and a copy of the compressed bytes into the framed buffer.
    static let walCompressors = ZstdContexts()

    // MARK: Names

    static func walDirectory(namespace: String, timeline: UInt32) -> String {
        let digits = String(timeline, radix: 16)
        return "\(RepositoryLayout.walPrefix(namespace: namespace))\(String(repeating: "0", count: 8 - digits.count))\(digits)/"
    }

    static func walTag(_ id: ChunkID) -> String {
        String(id.hex.prefix(16))
    }

    /// The associated data of a WAL object: its key, so an object renamed fails authentication.
    static func walLabel(_ key: String) -> [UInt8] {
        Array("tidemark.wal:\(key)".utf8)
    }

    /// `(name, tag, writtenAt)` from `wal/<ns>/<tl>/<name>-<tag>-<ms>`; the name upper-cased as
    /// PostgreSQL writes it (history files keep their `.history` suffix).
    static func parseWALKey(_ key: String) -> (name: String, tag: String, writtenAt: Date)? {
        guard let last = key.split(separator: "/").last else { return nil }
        let parts = last.split(separator: "-")
        guard parts.count == 3, parts[1].count == 16, let millis = Int64(parts[2]) else { return nil }
        // Hex parts upper-case as PostgreSQL writes them; the suffix (history, backup) stays.
        let name = parts[0].split(separator: ".").map { $0.allSatisfy(\.isHexDigit) ? $0.uppercased() : String($0) }.joined(separator: ".")
        return (name, String(parts[1]), Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
