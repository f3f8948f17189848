import Foundation
import TidemarkControl
import TidemarkCore
import Yams

/// Reads `tidemark.yaml` (docs/OPERATIONS.md "Declarative config") into a `DesiredState`.
///
/// Strict like the API: an unknown key is an error naming its path (a typo never silently
/// does nothing), and secrets may only be named by environment variable
/// (`secretAccessKeyEnv`, `passwordEnv`), never written inline, so the file can live in
/// version control.
enum ConfigFile {
    /// The largest file `apply` reads (1 MiB: about ten thousand resources).
    static let maximumBytes = 1 << 20
    /// The most values a file may hold once its aliases are expanded. YAML aliases can repeat
    /// a node exponentially ("billion laughs": nine levels of nine aliases is 387 million
    /// values), so expansion is counted and stopped here instead of exhausting memory.
    static let maximumValues = 100_000

    static func parse(_ text: String, environment: [String: String]) throws -> DesiredState {
        guard text.utf8.count <= maximumBytes else {
            throw invalid("the file is larger than \(maximumBytes / 1024) KiB")
        }
        let composed: Yams.Node?
        do {
            // Composing keeps each aliased node once (a shared value); only `any` expands it.
            composed = try Yams.compose(yaml: text)
        } catch {
            throw invalid("the file is not valid YAML: \(Self.shortened("\(error)"))", hint: "Check the indentation and quoting near the position given.")
        }
        guard let composed else { return DesiredState() }
        var budget = maximumValues
        try countValues(composed, budget: &budget)
        let root = composed.any
        let top = try Node(root, path: "")
        try top.allow(["storages", "databases", "policies", "plans"])
        var state = DesiredState()
        for node in try top.list("storages") { state.storages.append(try storage(node, environment: environment)) }
        for node in try top.list("policies") { state.policies.append(try policy(node)) }
        for node in try top.list("databases") { state.databases.append(try database(node, environment: environment)) }
        for node in try top.list("plans") { state.plans.append(try plan(node)) }
        return state
    }

    private static func storage(_ node: Node, environment: [String: String]) throws -> DesiredState.Storage {
        try node.allow(["name", "local", "s3"])
        let name = try node.string("name")
        switch (try node.optionalNode("local"), try node.optionalNode("s3")) {
        case (let local?, nil):
            try local.allow(["path"])
            let path = try local.string("path")
            guard path.hasPrefix("/") else {
                throw invalid("\(local.path).path must be an absolute path, not \(path)", hint: "Relative paths would depend on where apply runs.")
            }
            return DesiredState.Storage(name: name, settings: .local(path: path), secret: nil)
        case (nil, let s3?):
            if s3.has("secretAccessKey") { throw inlineSecret("\(s3.path).secretAccessKey", use: "secretAccessKeyEnv") }
            try s3.allow(["endpoint", "bucket", "prefix", "region", "pathStyle", "accessKeyId", "secretAccessKeyEnv", "checksumHeaders"])
            let settings = S3StorageSettings(
                endpoint: try s3.string("endpoint"),
                bucket: try s3.string("bucket"),
                prefix: S3StorageSettings.normalized(prefix: try s3.optionalString("prefix") ?? ""),
                region: try s3.optionalString("region") ?? "us-east-1",
                pathStyle: try s3.optionalBool("pathStyle") ?? false,
                accessKeyID: try s3.string("accessKeyId"),
                checksumHeaders: try s3.optionalBool("checksumHeaders") ?? true
            )
            let secret = try secretFromEnvironment(s3, key: "secretAccessKeyEnv", environment: environment)
            return DesiredState.Storage(name: name, settings: .s3(settings), secret: secret)
        default:
            throw invalid("\(node.path) needs exactly one of 'local' or 's3'", hint: "e.g. local: {path: /srv/backups}")
        }
    }

    private static func database(_ node: Node, environment: [String: String]) throws -> DesiredState.Database {
        if node.has("password") { throw inlineSecret("\(node.path).password", use: "passwordEnv") }
        try node.allow(["name", "engine", "url", "passwordEnv"])
        let engineName = try node.optionalString("engine") ?? EngineKind.postgres.rawValue
        guard let engine = EngineKind(rawValue: engineName) else {
            throw invalid("\(node.path).engine is \(engineName), not one of \(EngineKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let url = try DatabaseURL(parsing: try node.string("url"), engine: engine)
        if url.password != nil { throw inlineSecret("the password in \(node.path).url", use: "passwordEnv") }
        let password = node.has("passwordEnv") ? try secretFromEnvironment(node, key: "passwordEnv", environment: environment) : nil
        return DesiredState.Database(name: try node.string("name"), engine: engine, connection: url.connection, password: password)
    }

    private static func policy(_ node: Node) throws -> RetentionPolicy {
        try node.allow(["name", "last", "hourly", "daily", "weekly", "monthly", "yearly", "within", "days", "keepFinal", "pitrDays"])
        let defaults = RetentionPolicy(name: try node.string("name"))
        var within = defaults.within
        if let text = try node.optionalString("within") {
            do {
                let seconds = try RetentionDuration.parse(text)
                within = seconds == 0 ? nil : seconds
            } catch let error as TidemarkError {
                throw invalid("\(node.path).within: \(error.message)", hint: error.hint)
            }
        }
        return RetentionPolicy(
            name: defaults.name,
            last: try node.optionalInt("last") ?? defaults.last,
            hourly: try node.optionalInt("hourly") ?? defaults.hourly,
            daily: try node.optionalInt("daily") ?? defaults.daily,
            weekly: try node.optionalInt("weekly") ?? defaults.weekly,
            monthly: try node.optionalInt("monthly") ?? defaults.monthly,
            yearly: try node.optionalInt("yearly") ?? defaults.yearly,
            within: within,
            days: try node.optionalInt("days"),
            keepsFinal: try node.optionalBool("keepFinal") ?? defaults.keepsFinal,
            pitrDays: try node.optionalInt("pitrDays")
        )
    }

    private static func plan(_ node: Node) throws -> DesiredState.Plan {
        try node.allow(["database", "storage", "schedule", "policy", "method", "pitr", "paused"])
        let methodName = try node.optionalString("method") ?? BackupMethod.logical.rawValue
        guard let method = BackupMethod(rawValue: methodName) else { throw invalid("\(node.path).method is \(methodName), not logical or physical") }
        return DesiredState.Plan(
            database: try node.string("database"),
            storage: try node.string("storage"),
            schedule: try node.optionalString("schedule") ?? "@daily",
            policy: try node.optionalString("policy") ?? RetentionPolicy.defaultName,
            method: method,
            pitr: try node.optionalBool("pitr") ?? false,
            paused: try node.optionalBool("paused") ?? false
        )
    }

    private static func secretFromEnvironment(_ node: Node, key: String, environment: [String: String]) throws -> Secret<String> {
        let variable = try node.string(key)
        return try NamedSecret.read(
            variable, namedBy: "\(node.path).\(key)", environment: environment, code: "invalid-config", hint: "Export \(variable) before running apply."
        )
    }

    /// Counts `node`'s values with its aliases expanded, stopping as soon as more than the
    /// budget are seen, so the count costs at most `maximumValues` steps whatever the file.
    private static func countValues(_ node: Yams.Node, budget: inout Int, depth: Int = 0) throws {
        budget -= 1
        guard budget >= 0 else {
            throw invalid(
                "the file holds more than \(maximumValues) values once its aliases (*name) are expanded",
                hint: "Use fewer or less deeply nested aliases; a Tidemark config file rarely needs them."
            )
        }
        guard depth < 64 else {
            throw invalid("the file nests values more than 64 levels deep", hint: "A Tidemark config file needs at most a few levels.")
        }
        switch node {
        case .scalar, .alias: return
        case .sequence(let sequence):
            for item in sequence { try countValues(item, budget: &budget, depth: depth + 1) }
        case .mapping(let mapping):
            for (key, value) in mapping {
                try countValues(key, budget: &budget, depth: depth + 1)
                try countValues(value, budget: &budget, depth: depth + 1)
            }
        }
    }

    /// The parser's message without the echoed source line, which can be a megabyte long.
    private static func shortened(_ description: String) -> String {
        let lines = description.split(separator: "\n", omittingEmptySubsequences: true).prefix(2)
        return lines.map { $0.count > 160 ? $0.prefix(160) + "…" : String($0) }.joined(separator: ": ")
    }

    static func invalid(_ message: String, hint: String? = nil) -> TidemarkError {
        TidemarkError(code: "invalid-config", message: message, hint: hint ?? "See docs/OPERATIONS.md \"Declarative config\" for the file's keys.", category: .invalidInput)
    }

    private static func inlineSecret(_ what: String, use key: String) -> TidemarkError {
        invalid("\(what) is a secret written into the file", hint: "Put it in an environment variable and name the variable with '\(key)'; the file never holds secrets.")
    }
}

/// A YAML mapping with its path (`storages[1].s3`) for error messages.
private struct Node {
    let values: [String: Any]
    let path: String

    init(_ value: Any, path: String) throws {
        guard let mapping = value as? [AnyHashable: Any] else {
            throw ConfigFile.invalid("\(path.isEmpty ? "the file" : path) must be a mapping of keys to values")
        }
        var values: [String: Any] = [:]
        for (key, value) in mapping { values[String(describing: key.base)] = value }
        self.values = values
        self.path = path
    }

    func has(_ key: String) -> Bool { values[key] != nil }

    func allow(_ keys: Set<String>) throws {
        if let unknown = Set(values.keys).subtracting(keys).sorted().first {
            throw ConfigFile.invalid("unknown key \(path.isEmpty ? unknown : "\(path).\(unknown)")", hint: "Allowed here: \(keys.sorted().joined(separator: ", ")).")
        }
    }

    func list(_ key: String) throws -> [Node] {
        guard let value = values[key], !(value is NSNull) else { return [] }
        guard let items = value as? [Any] else { throw ConfigFile.invalid("\(key) must be a list (entries start with '- ')") }
        return try items.enumerated().map { try Node($1, path: "\(key)[\($0)]") }
    }

    func optionalNode(_ key: String) throws -> Node? {
        try values[key].map { try Node($0, path: "\(path).\(key)") }
    }

    func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else { throw ConfigFile.invalid("\(path).\(key) is required") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        if let text = value as? String { return text }
        if value is [Any] || value is [AnyHashable: Any] { throw ConfigFile.invalid("\(path).\(key) must be text") }
        return String(describing: value)
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        guard let number = value as? Int else { throw ConfigFile.invalid("\(path).\(key) must be a whole number") }
        return number
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        guard let flag = value as? Bool else { throw ConfigFile.invalid("\(path).\(key) must be true or false") }
        return flag
    }
}
