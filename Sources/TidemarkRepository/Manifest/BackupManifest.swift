package import Foundation
package import TidemarkCore

/// One byte stream of a backup (for PostgreSQL: the pg_dump custom-format archive).
package struct StreamReference: Sendable, Codable, Equatable {
    /// The stream's name inside the backup, e.g. `shop.pgdump`.
    package var name: String
    /// What the bytes are, e.g. `pg_dump-custom`.
    package var format: String
    /// Total bytes of the stream.
    package var size: Int64
    /// Chunk ids (hex) in stream order; concatenating the chunks gives the stream.
    package var chunks: [String]

    package init(name: String, format: String, size: Int64, chunks: [String]) {
        self.name = name
        self.format = format
        self.size = size
        self.chunks = chunks
    }

    /// The chunk ids, parsed.
    package func chunkIDs() throws -> [ChunkID] {
        try chunks.map { hex in
            guard let id = ChunkID(hex: hex) else {
                throw RepositoryError(.objectCorrupted, "stream \(name) lists an invalid chunk id '\(hex)'")
            }
            return id
        }
    }
}

/// The `snapshots/<backup id>` object: everything needed to list and restore one backup.
///
/// It is written last, after every pack and index object it depends on, so its presence is
/// what makes a backup exist in the repository.
package struct BackupManifest: Sendable, Codable, Equatable {
    package var version: Int
    package var id: String
    package var database: String
    package var engine: EngineKind
    package var method: BackupMethod
    package var trigger: BackupTrigger
    package var serverVersion: String
    package var startedAt: Date
    package var finishedAt: Date
    package var logicalBytes: Int64
    package var storedBytes: Int64
    package var databases: [DatabaseContents]
    package var dumpObjects: [DumpObject]
    package var streams: [StreamReference]
    /// LSNs, timeline and system of a physical backup; absent for logical ones.
    package var physical: PhysicalBackupInfo?
    /// Caveats the engine reported about what the backup holds (MariaDB: tables outside the
    /// consistent snapshot); absent when there are none.
    package var warnings: [String]?
    /// The database, plan and policy as the catalog held them (``BackupOrigin``); absent in
    /// manifests written before it existed.
    package var origin: BackupOrigin?
    /// For a copy (trigger `copy`): the id of the backup it was copied from, in another
    /// repository; absent otherwise.
    package var copyOf: String?

    package init(
        id: String,
        database: String,
        engine: EngineKind,
        method: BackupMethod,
        trigger: BackupTrigger,
        serverVersion: String,
        startedAt: Date,
        finishedAt: Date,
        logicalBytes: Int64,
        storedBytes: Int64,
        databases: [DatabaseContents],
        dumpObjects: [DumpObject],
        streams: [StreamReference],
        physical: PhysicalBackupInfo? = nil,
        warnings: [String]? = nil,
        origin: BackupOrigin? = nil,
        copyOf: String? = nil
    ) {
        self.version = 1
        self.id = id
        self.database = database
        self.engine = engine
        self.method = method
        self.trigger = trigger
        self.serverVersion = serverVersion
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.logicalBytes = logicalBytes
        self.storedBytes = storedBytes
        self.databases = databases
        self.dumpObjects = dumpObjects
        self.streams = streams
        self.physical = physical
        self.warnings = warnings
        self.origin = origin
        self.copyOf = copyOf
    }
}
