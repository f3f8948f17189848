import TidemarkCore

/// A secret read from the environment variable a user named (`--secret-env VAR`, or
/// `passwordEnv: VAR` in a config file), so the secret itself never sits in argv or a file.
enum NamedSecret {
    /// The value of `variable`.
    /// - Parameters:
    ///   - what: where the name came from, for the message (`--secret-env`, `databases[0].passwordEnv`).
    ///   - code: the error code when the variable is unset or empty.
    static func read(_ variable: String, namedBy what: String, environment: [String: String], code: String, hint: String) throws -> Secret<String> {
        guard let value = environment[variable], !value.isEmpty else {
            throw TidemarkError(code: code, message: "\(what) names \(variable), which is not set or empty", hint: hint, category: .invalidInput)
        }
        return Secret(value)
    }
}
