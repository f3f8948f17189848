import ArgumentParser
import TidemarkControl
import TidemarkCore
import Foundation

/// `tidemark storage …`
struct StorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Manage storages (where repositories of backups live).",
        subcommands: [StorageAdd.self, StorageAttach.self, StorageTest.self, StorageUpdate.self, StorageList.self, StorageShow.self, StorageRemove.self]
    )
}
