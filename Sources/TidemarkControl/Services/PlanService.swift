import Foundation
import Logging
package import TidemarkCore

/// Plans, retention policies and retention (SPEC §4.3): schedules, policies, what they keep.
/// It sees the catalog, the clock, a logger (expiry updates that fail are logged, never
/// fatal), the storages a plan names, the WAL archiving a `--pitr` plan turns on, and the
/// runner that deletes through ``RetentionJob``.
package struct PlanService: Sendable {
    let catalog: any Catalog
    let engines: Engines
    let now: @Sendable () -> Date
    let logger: Logger
    let storages: StorageService
    let walArchive: WALArchiveService
    let runner: OperationRunner
}

extension PlanService {
    /// The plan of `database`. - Throws: `database-not-registered`, `plan-not-found`.
    package func get(database: String) async throws -> PlanRecord { try await catalog.requirePlan(database: database) }
}

extension ControlPlane {
    /// Plans, retention policies and retention.
    package var plans: PlanService {
        PlanService(catalog: catalog, engines: engines, now: now, logger: logger, storages: storages, walArchive: walArchive, runner: runner)
    }
}
