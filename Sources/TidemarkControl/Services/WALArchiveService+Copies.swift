import Foundation
import Logging
import TidemarkCore
import TidemarkRepository

extension WALArchiveService {
    /// Brings the WAL archive in each plan's copy storage up to date with its storage (SPEC
    /// §4.10): a copy of a physical backup takes the WAL archived until then, and this,
    /// run by `serve` every `TIDEMARK_WAL_GAP_CHECK_SECONDS`, the WAL archived after, so point-in-time
    /// recovery from the copy storage reaches as far as the archive did at the last sync.
    /// Failures are logged and tried again at the next sync.
    /// - Returns: the WAL files copied, per database.
    @discardableResult
    package func syncCopies() async -> [String: Int] {
        var copied: [String: Int] = [:]
        guard let plans = try? await catalog.plans() else { return copied }
        for plan in plans {
            guard let target = plan.copyTo, target != plan.storage,
                let database = try? await catalog.database(named: plan.database), let namespace = database.walNamespace
            else { continue }
            do {
                let from = try await storages.openRepository(try await storages.get(named: plan.storage))
                let into = try await storages.openRepository(try await storages.get(named: target))
                let result = try await into.copyWAL(namespace: namespace, from: from)
                copied[plan.database] = result.files
                if result.files > 0 {
                    logger.info("copied \(result.files) WAL files (\(HumanFormat.bytes(result.bytes))) of \(plan.database) to storage \(target)")
                }
            } catch {
                logger.warning("copying the WAL of \(plan.database) to storage \(target) failed: \(ErrorInfo(error).message); trying again at the next sync")
            }
        }
        return copied
    }
}
