import ArgumentParser
import TidemarkControl
import TidemarkCore
import Foundation

/// `tidemark backup …`
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Create, list, inspect, verify, test, copy, export and purge backups.",
        subcommands: [BackupCreate.self, BackupList.self, BackupShow.self, BackupVerify.self, BackupTest.self, BackupCopy.self, BackupExport.self, BackupPurge.self]
    )
}
