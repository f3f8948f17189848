import ArgumentParser

/// The `tidemark` command tree.
struct Tidemark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tidemark",
        abstract: "Backups you can restore: PostgreSQL backup and restore to deduplicated, encrypted repositories.",
        discussion: """
            Every command accepts --home DIR (env TIDEMARK_HOME, default ./.tidemark) and --output json \
            (env TIDEMARK_OUTPUT_FORMAT=json). The repository passphrase comes from TIDEMARK_PASSPHRASE \
            or a prompt on a terminal.
            """,
        subcommands: [
            QuickstartCommand.self, StorageCommand.self, DatabaseCommand.self, BackupCommand.self, RestoreCommand.self,
            PlanCommand.self, PolicyCommand.self, OperationCommand.self, MaintenanceCommand.self, TokenCommand.self, WebhookCommand.self, ApplyCommand.self, ServeCommand.self,
            WALPushCommand.self, WALFetchCommand.self,
        ]
    )
}
