/// Generates the short random identifiers used for backups and operations.
///
/// Identifiers are 12 lowercase hex digits: short enough to type, with 48 random bits so two
/// ever colliding in one catalog is not a practical concern.
package enum Identifier {
    /// A new random identifier, e.g. `3f9a0c1b7e2d`.
    package static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() & 0xFFFF_FFFF_FFFF
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }
}

/// Validates names chosen by users for storages, databases and restore targets.
package enum NameRule {
    /// Checks that `name` is 1–63 characters of letters, digits, `_` and `-`, starting with a letter.
    ///
    /// The rule matches what PostgreSQL accepts as an unquoted database name (plus `-`), so a
    /// restore target name can be used as a database name directly.
    /// - Throws: `TidemarkError` with code `invalid-name`.
    /// The rule as a regular expression, for the API's OpenAPI document.
    package static let pattern = "^[A-Za-z][A-Za-z0-9_-]{0,62}$"

    package static func validate(_ name: String, what: String) throws {
        let scalars = Array(name.unicodeScalars)
        let allowed = scalars.allSatisfy { scalar in
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar == "-"
        }
        let startsWithLetter = scalars.first.map { ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") } ?? false
        guard !scalars.isEmpty, scalars.count <= 63, allowed, startsWithLetter else {
            throw TidemarkError(
                code: "invalid-name",
                message: "\(what) name '\(name)' is not valid",
                hint: "Use 1 to 63 letters, digits, '_' or '-', starting with a letter.",
                category: .invalidInput
            )
        }
    }
}
