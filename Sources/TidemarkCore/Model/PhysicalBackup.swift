package import Foundation

/// What a physical base backup is, from PostgreSQL's point of view (SPEC §4.1, §4.8): enough to
/// check that WAL fits it and to say what a restore will start from.
package struct PhysicalBackupInfo: Sendable, Codable, Equatable {
    /// The WAL location the backup starts from (`START WAL LOCATION` of `backup_label`), e.g. `0/2000028`.
    package var startLSN: String
    /// The WAL location it is consistent at (`End-LSN` of `backup_manifest`'s WAL range).
    package var stopLSN: String
    /// When PostgreSQL started the backup (`START TIME` of `backup_label`).
    package var startedAt: Date?
    /// When the base backup stream ended.
    package var stoppedAt: Date
    package var timeline: Int
    /// `pg_control_system().system_identifier`: a WAL archive belongs to exactly one cluster.
    package var systemIdentifier: String
    package var dataChecksums: Bool
    package var walSegmentSize: Int
    /// Whether the WAL needed to reach consistency is inside the backup (`-X fetch`).
    package var includesWAL: Bool
    /// The `backup_label` file as PostgreSQL wrote it.
    package var backupLabel: String
    /// Regular files in the base backup.
    package var files: Int
    /// The WAL archive namespace of the instance when it was backed up (nil: it was not
    /// archiving); point-in-time recovery from this backup replays WAL from there.
    package var walNamespace: String?

    package init(
        startLSN: String, stopLSN: String, startedAt: Date?, stoppedAt: Date, timeline: Int, systemIdentifier: String,
        dataChecksums: Bool, walSegmentSize: Int, includesWAL: Bool, backupLabel: String, files: Int
    ) {
        self.startLSN = startLSN
        self.stopLSN = stopLSN
        self.startedAt = startedAt
        self.stoppedAt = stoppedAt
        self.timeline = timeline
        self.systemIdentifier = systemIdentifier
        self.dataChecksums = dataChecksums
        self.walSegmentSize = walSegmentSize
        self.includesWAL = includesWAL
        self.backupLabel = backupLabel
        self.files = files
    }
}

/// What streaming a base backup captured, measured as it passed.
package struct BaseBackupSummary: Sendable {
    package var serverVersion: String
    package var physical: PhysicalBackupInfo
    /// The cluster's databases with their tables, read from its catalogs just before the backup
    /// (row counts are the planner's estimates, `TableContents.rowsAreEstimates`).
    package var databases: [DatabaseContents]
    /// PostgreSQL's `backup_manifest` (JSON), also the archive's last member.
    package var backupManifest: [UInt8]

    package init(serverVersion: String, physical: PhysicalBackupInfo, databases: [DatabaseContents], backupManifest: [UInt8]) {
        self.serverVersion = serverVersion
        self.physical = physical
        self.databases = databases
        self.backupManifest = backupManifest
    }
}
