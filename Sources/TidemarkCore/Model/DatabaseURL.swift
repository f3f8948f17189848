import Foundation

/// Parses `postgres://user:password@host:port/database?param=value` connection URLs (also
/// `mariadb://` / `mysql://`), and `sqlite:///absolute/path.db` for a database file.
///
/// The password is returned separately, wrapped in `Secret`, so it never travels with the
/// connection settings that are printed and stored in plain text.
package struct DatabaseURL: Sendable, Equatable {
    package var engine: EngineKind
    package var connection: DatabaseConnection
    package var password: Secret<String>?

    /// Parses `text` for `engine`.
    /// - Throws: `TidemarkError` with code `invalid-url` naming what is wrong (never echoing the password).
    package init(parsing text: String, engine: EngineKind) throws {
        self.engine = engine
        let schemes: [String]
        let defaultPort: Int
        switch engine {
        case .postgres:
            schemes = ["postgres", "postgresql"]
            defaultPort = 5432
        case .mariadb:
            schemes = ["mariadb", "mysql"]
            defaultPort = 3306
        case .sqlite:
            self.connection = try Self.parseFile(text)
            self.password = nil
            return
        }
        guard let schemeEnd = text.range(of: "://") else {
            throw Self.invalid("the database URL has no scheme", hint: "Write it as \(schemes[0])://USER:PASSWORD@HOST:PORT/DATABASE.")
        }
        let scheme = String(text[..<schemeEnd.lowerBound]).lowercased()
        guard schemes.contains(scheme) else {
            throw Self.invalid("the database URL scheme '\(scheme)' does not match engine \(engine.rawValue)", hint: "Write it as \(schemes[0])://USER:PASSWORD@HOST:PORT/DATABASE.")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var parameters: [String: String] = [:]
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                parameters[Self.decode(parts[0])] = parts.count > 1 ? Self.decode(parts[1]) : ""
            }
            rest = rest[..<question]
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw Self.invalid("the database URL names no database", hint: "Add the database name after the host, e.g. .../shop.")
        }
        let database = Self.decode(rest[rest.index(after: slash)...])
        guard !database.isEmpty else {
            throw Self.invalid("the database URL names no database", hint: "Add the database name after the host, e.g. .../shop.")
        }
        var authority = rest[..<slash]
        var user = ""
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = Self.decode(userInfo[..<colon])
                password = Self.decode(userInfo[userInfo.index(after: colon)...])
            } else {
                user = Self.decode(userInfo)
            }
        }
        var host = String(authority)
        var port = defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                throw Self.invalid("the database URL has an unterminated IPv6 address", hint: "Write IPv6 hosts in brackets, e.g. [::1]:5432.")
            }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    throw Self.invalid("the database URL port '\(after.dropFirst())' is not a number from 1 to 65535", hint: "Use the server's TCP port, e.g. 5432.")
                }
                port = value
            }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            let portText = host[host.index(after: colon)...]
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw Self.invalid("the database URL port '\(portText)' is not a number from 1 to 65535", hint: "Use the server's TCP port, e.g. 5432.")
            }
            port = value
            host = String(host[..<colon])
        }
        guard !host.isEmpty else {
            throw Self.invalid("the database URL names no host", hint: "Write it as \(schemes[0])://USER:PASSWORD@HOST:PORT/DATABASE.")
        }
        if user.isEmpty { user = engine == .postgres ? "postgres" : "root" }
        self.connection = DatabaseConnection(host: host, port: port, user: user, database: database, parameters: parameters)
        self.password = password.map(Secret.init)
    }

    /// `sqlite:///absolute/path`: the path must be absolute, so that `serve` and the CLI (run
    /// from other directories) mean the same file.
    private static func parseFile(_ text: String) throws -> DatabaseConnection {
        let hint = "Write it as sqlite:///ABSOLUTE/PATH/TO/FILE.db."
        guard let schemeEnd = text.range(of: "://") else {
            throw invalid("the database URL has no scheme", hint: hint)
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "sqlite" || scheme == "sqlite3" else {
            throw invalid("the database URL scheme '\(scheme)' does not match engine sqlite", hint: hint)
        }
        let path = decode(text[schemeEnd.upperBound...])
        guard path.hasPrefix("/") else {
            throw invalid("the SQLite path '\(path)' is not absolute", hint: hint)
        }
        guard path.count > 1, !path.hasSuffix("/") else {
            throw invalid("the SQLite URL names a directory, not a file", hint: hint)
        }
        return .file(path: path)
    }

    /// The URL for `connection`, with the password shown as `***` when `password` is set and
    /// `revealPassword` is false.
    package static func render(
        _ connection: DatabaseConnection,
        engine: EngineKind,
        password: Secret<String>? = nil,
        revealPassword: Bool = false
    ) -> String {
        if case .file(let path) = connection.location { return "sqlite://" + path.replacingOccurrences(of: "%", with: "%25") }
        let scheme = engine == .postgres ? "postgres" : engine.rawValue
        var userInfo = encode(connection.user)
        if let password {
            userInfo += ":" + (revealPassword ? encode(password.revealed) : "***")
        }
        let host = connection.host.contains(":") ? "[\(connection.host)]" : connection.host
        var text = "\(scheme)://\(userInfo)@\(host):\(connection.port)/\(encode(connection.database))"
        if !connection.parameters.isEmpty {
            text += "?" + connection.parameters.sorted { $0.key < $1.key }.map { "\(encode($0.key))=\(encode($0.value))" }.joined(separator: "&")
        }
        return text
    }

    private static func invalid(_ message: String, hint: String) -> TidemarkError {
        TidemarkError(code: "invalid-url", message: message, hint: hint, category: .invalidInput)
    }

    private static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || "-._~".unicodeScalars.contains(scalar)
            {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
