import TidemarkCore

/// Kind → job, for the operations a worker runs from their records.
///
/// Jobs that run only in the command that starts them (export, deprovision) are not here:
/// their records are never claimed, retried or resumed.
enum JobRegistry {
    /// A job for each kind that runs in the background.
    static func job(for kind: OperationKind) -> (any Job)? {
        let jobs: [any Job] = [BackupJob(), RestoreJob(), VerifyJob(), PurgeJob(), RetentionJob(), PruneJob(), CopyJob(), RestoreTestJob()]
        return jobs.first { type(of: $0).kind == kind }
    }
}
