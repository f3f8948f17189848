import ArgumentParser
import Foundation
import TidemarkControl
import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// `tidemark apply -f tidemark.yaml [--dry-run] [--confirm]`
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Create or update storages, policies, databases and plans from a YAML file (idempotent).",
        discussion: """
            Only what the file lists is created or changed; nothing is removed. Secrets are named by \
            environment variable (secretAccessKeyEnv, passwordEnv), never written in the file. A second \
            apply of the same file changes nothing and says so. --dry-run shows the changes without \
            making them. A policy change that would delete backups needs --confirm. \
            See docs/OPERATIONS.md "Declarative config".
            """
    )
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("The YAML file ('-' for standard input).", valueName: "file")) var file: String
    @Flag(name: .long, help: "Show what would change; change nothing.") var dryRun = false
    @Flag(name: .long, help: "Allow policy changes that delete backups.") var confirm = false

    func run() async throws {
        try await global.run { context in
            let text = try Self.read(file)
            let desired = try ConfigFile.parse(text, environment: ProcessInfo.processInfo.environment)
            let changes = try await context.control().apply(desired, dryRun: dryRun, confirm: confirm)
            let changed = changes.filter { $0.action != .unchanged }
            if context.isJSON {
                return try context.console.json(ApplyResult(dryRun: dryRun, changed: changed.count, changes: changes))
            }
            for change in changes {
                let mark = switch change.action {
                case .create: "+"
                case .update: "~"
                case .unchanged: "="
                }
                let details = change.details.isEmpty ? "" : ": " + change.details.joined(separator: "; ")
                context.console.line("\(mark) \(change.kind) \(change.name) \(change.action == .unchanged ? "unchanged" : change.action.rawValue)\(details)")
            }
            if changed.isEmpty {
                context.console.line("no changes: the catalog already matches \(file)")
            } else if dryRun {
                context.console.line("dry run: \(changed.count) change\(changed.count == 1 ? "" : "s") would be made; nothing was changed")
            } else {
                context.console.line("applied \(changed.count) change\(changed.count == 1 ? "" : "s")")
            }
        }
    }

    /// Reads the file (or stdin for `-`), refusing more than `ConfigFile.maximumBytes`, so a
    /// huge or endless input cannot exhaust memory before parsing starts.
    /// - Throws: `config-not-found`, `config-too-large`.
    static func read(_ file: String) throws -> String {
        let descriptor = file == "-" ? STDIN_FILENO : open(file, O_RDONLY)
        guard descriptor >= 0 else {
            throw TidemarkError(code: "config-not-found", message: "cannot read \(file)", hint: "Give the path of a readable YAML file with -f.", category: .notFound)
        }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TidemarkError(code: "config-not-found", message: "cannot read \(file): \(String(cString: strerror(errno)))", hint: "Give the path of a readable YAML file with -f.", category: .notFound)
            }
            if count == 0 { break }
            bytes += buffer[0..<count]
            guard bytes.count <= ConfigFile.maximumBytes else {
                throw ConfigFile.invalid(
                    "\(file == "-" ? "standard input" : file) is larger than \(ConfigFile.maximumBytes / 1024) KiB",
                    hint: "A Tidemark config file lists storages, policies, databases and plans; split very large setups into several files."
                )
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The JSON shape of `apply --output json`.
struct ApplyResult: Encodable {
    var dryRun: Bool
    /// Resources created or updated (or that would be, in a dry run).
    var changed: Int
    var changes: [ApplyChange]
}
