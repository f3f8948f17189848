import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

extension WebhookEvent: ExpressibleByArgument {}

/// `tidemark webhook …`
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Manage webhooks: JSON POSTs on failed, recovered and overdue backups, finished restores and failed storage tests.",
        subcommands: [WebhookAdd.self, WebhookList.self, WebhookRemove.self, WebhookTest.self, WebhookDeliveries.self]
    )
}

/// `tidemark webhook add NAME --url URL [--event E]… [--database DB] [--secret-env VAR]`
struct WebhookAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a webhook.",
        discussion: """
            Events: \(WebhookEvent.allCases.filter { $0 != .test }.map(\.rawValue).joined(separator: ", ")). \
            Without --event every event is sent. With --secret-env, each request carries \
            X-Tidemark-Signature: sha256=<hex HMAC-SHA256 of the body>; the secret is read from that \
            environment variable (never from the command line) and stored encrypted. Deliveries are \
            sent by 'tidemark serve' (and at the end of the CLI command that caused them), retried \
            with backoff for about four hours.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the webhook.") var name: String
    @Option(name: .long, help: "http or https URL to POST to.") var url: String
    @Option(name: .long, help: ArgumentHelp("An event to send (repeatable); default: all.", valueName: "event")) var event: [WebhookEvent] = []
    @Option(name: .long, help: "Only this database's events (its plan's webhook); default: all databases.") var database: String?
    @Option(name: .long, help: ArgumentHelp("Environment variable holding the signing secret.", valueName: "VAR")) var secretEnv: String?

    func run() async throws {
        try await global.run { context in
            let secret = try secretEnv.map {
                try NamedSecret.read(
                    $0, namedBy: "--secret-env", environment: ProcessInfo.processInfo.environment, code: "webhook-secret-missing",
                    hint: "Export \($0) with the signing secret, or leave out --secret-env for unsigned requests."
                )
            }
            let record = try await context.control().webhooks.add(name: name, url: url, events: Set(event), database: database, secret: secret)
            if context.isJSON { return try context.console.json(WebhookRepresentation(record)) }
            context.console.line("webhook \(name) added: \(WebhookText.events(record)) of \(record.database ?? "every database")\(secret == nil ? "" : ", signed")")
            context.console.note("send a test event with 'tidemark webhook test \(name)'")
        }
    }
}

enum WebhookText {
    static func events(_ record: WebhookRecord) -> String {
        record.events.isEmpty ? "all events" : record.events.map(\.rawValue).sorted().joined(separator: ", ")
    }
}

/// `tidemark webhook list`
struct WebhookList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List webhooks (never their secrets).")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.run { context in
            let webhooks = try await context.control().webhooks.list()
            if context.isJSON { return try context.console.json(webhooks.map(WebhookRepresentation.init)) }
            if webhooks.isEmpty { return context.console.line("No webhooks yet. Add one with 'tidemark webhook add NAME --url URL'.") }
            context.console.table(
                ["NAME", "URL", "EVENTS", "DATABASE", "SIGNED"],
                webhooks.map { [$0.name, $0.url, WebhookText.events($0), $0.database ?? "all", $0.secret == nil ? "no" : "yes"] }
            )
        }
    }
}

/// `tidemark webhook remove NAME`
struct WebhookRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a webhook and its queued deliveries.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the webhook.") var name: String

    func run() async throws {
        try await global.run { context in
            try await context.control().webhooks.remove(named: name)
            if context.isJSON { return try context.console.json(["removed": name]) }
            context.console.line("webhook \(name) removed")
        }
    }
}

/// `tidemark webhook test NAME`
struct WebhookTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a webhook.test event now and show the receiver's answer (exit 1 when it was not 2xx)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Name of the webhook.") var name: String

    func run() async throws {
        try await global.run { context in
            let delivery = try await context.control().webhooks.test(named: name)
            if context.isJSON {
                try context.console.json(WebhookDeliveryRepresentation(delivery))
            } else if delivery.status == .delivered {
                context.console.line("delivered test event \(delivery.id) to webhook \(name)")
            } else {
                context.console.line("test event \(delivery.id) to webhook \(name) not delivered: \(delivery.lastError ?? "unknown error")")
                context.console.note("it stays queued and is retried by 'tidemark serve'")
            }
            if delivery.status != .delivered { throw ExitCode(1) }
        }
    }
}

/// `tidemark webhook deliveries [NAME]`
struct WebhookDeliveries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deliveries", abstract: "Show recent webhook deliveries, newest first.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this webhook's deliveries.") var name: String?
    @Option(name: .long, help: "How many to show (at most 500).") var limit = 50

    func run() async throws {
        try await global.run { context in
            let control = try context.control()
            let deliveries = try await control.webhooks.deliveries(webhook: name, limit: limit)
            if context.isJSON { return try context.console.json(deliveries.map(WebhookDeliveryRepresentation.init)) }
            if deliveries.isEmpty { return context.console.line("No deliveries yet.") }
            context.console.table(
                ["ID", "WEBHOOK", "EVENT", "STATUS", "ATTEMPTS", "CREATED", "LAST ERROR"],
                deliveries.map {
                    [$0.id, $0.webhook, $0.event.rawValue, $0.status.rawValue, String($0.attempts), TimeText.relative($0.createdAt, now: control.now()), $0.lastError ?? ""]
                }
            )
        }
    }
}
