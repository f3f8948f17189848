import ArgumentParser
import TidemarkControl
import TidemarkCore
import Foundation

/// `tidemark db …`
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage databases to back up.",
        subcommands: [DatabaseAdd.self, DatabaseUpdate.self, DatabaseCreate.self, DatabaseList.self, DatabaseShow.self, DatabaseStart.self, DatabaseStop.self, DatabaseDeprovision.self]
    )
}
