import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

extension TokenRole: ExpressibleByArgument {}

/// `tidemark token …`
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage API tokens (bearer tokens for 'tidemark serve'; viewers read, admins act).",
        subcommands: [TokenCreate.self, TokenList.self, TokenRevoke.self]
    )
}

/// `tidemark token create NAME --role admin|viewer`
struct TokenCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API token and print it once; only its hash is stored."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the token (who or what uses it).") var name: String
    @Option(name: .long, help: "admin (everything) or viewer (read-only).") var role: TokenRole

    func run() async throws {
        try await global.run { context in
            let created = try await context.control().tokens.create(name: name, role: role)
            if context.isJSON { return try context.console.json(CreatedTokenRepresentation(created)) }
            context.console.line(created.token.revealed)
            context.console.note("token \(name) (\(role.rawValue)) created; it is shown only now, store it safely")
        }
    }
}

/// `tidemark token list`
struct TokenList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List API tokens (names and roles, never the tokens).")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.run { context in
            let tokens = try await context.control().tokens.list()
            if context.isJSON { return try context.console.json(tokens.map(TokenRepresentation.init)) }
            if tokens.isEmpty { return context.console.line("No tokens yet. Create one with 'tidemark token create NAME --role viewer'.") }
            context.console.table(
                ["NAME", "ROLE", "CREATED", "LAST USED"],
                tokens.map { [$0.name, $0.role.rawValue, TimeText.iso($0.createdAt), TimeText.iso($0.lastUsedAt)] }
            )
        }
    }
}

/// `tidemark token revoke NAME`
struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an API token at once.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the token.") var name: String

    func run() async throws {
        try await global.run { context in
            try await context.control().tokens.revoke(named: name)
            if context.isJSON { return try context.console.json(["revoked": name]) }
            context.console.line("token \(name) revoked")
        }
    }
}
