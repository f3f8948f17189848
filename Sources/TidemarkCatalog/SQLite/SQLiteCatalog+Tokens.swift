package import Foundation
package import TidemarkCore

// API tokens (only their SHA-256 is stored) and the aggregate queries behind /metrics.
extension SQLiteCatalog {
    package func insertToken(_ token: TokenRecord) async throws {
        do {
            try connection.execute(
                "INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)",
                [.text(token.name), .text(token.role.rawValue), .text(token.hash), date(token.createdAt)]
            )
        } catch let error as CatalogError where error.kind == .nameConflict {
            throw CatalogError(.nameConflict, "a token named \(token.name) already exists", hint: "Choose another name, or revoke it first with 'tidemark token revoke \(token.name)'.")
        }
    }

    package func token(hash: String) async throws -> TokenRecord? {
        try connection.query("SELECT * FROM tokens WHERE hash = ?", [.text(hash)]).first.map(tokenRecord)
    }

    package func tokens() async throws -> [TokenRecord] {
        try connection.query("SELECT * FROM tokens ORDER BY name").map(tokenRecord)
    }

    package func deleteToken(named name: String) async throws {
        let deleted = try connection.query("DELETE FROM tokens WHERE name = ? RETURNING name", [.text(name)])
        guard !deleted.isEmpty else {
            throw CatalogError(.notFound, "token \(name) does not exist", hint: "Run 'tidemark token list' to see the tokens.")
        }
    }

    package func touchToken(hash: String, at time: Date) async throws {
        // At most one write a minute per token: reads must not turn into writes under load.
        try connection.execute(
            "UPDATE tokens SET last_used_at = ?1 WHERE hash = ?2 AND (last_used_at IS NULL OR last_used_at < ?1 - 60)",
            [date(time), .text(hash)]
        )
    }

    package func lastSuccessfulBackups() async throws -> [String: Date] {
        var result: [String: Date] = [:]
        for row in try connection.query("SELECT database, max(finished_at) AS last FROM backups WHERE status = 'completed' GROUP BY database") {
            if let name = row["database"].string, let last = dateValue(row["last"]) { result[name] = last }
        }
        return result
    }

    package func backupCountsByStatus() async throws -> [BackupStatus: Int] {
        var result: [BackupStatus: Int] = [:]
        for row in try connection.query("SELECT status, count(*) AS n FROM backups GROUP BY status") {
            if let status = row["status"].string.flatMap(BackupStatus.init(rawValue:)) { result[status] = Int(row["n"].int ?? 0) }
        }
        return result
    }

    private func tokenRecord(_ row: SQLiteRow) throws -> TokenRecord {
        TokenRecord(
            name: row["name"].string ?? "",
            role: row["role"].string.flatMap(TokenRole.init(rawValue:)) ?? .viewer,
            hash: row["hash"].string ?? "",
            createdAt: dateValue(row["created_at"]) ?? Date(timeIntervalSince1970: 0),
            lastUsedAt: dateValue(row["last_used_at"])
        )
    }
}
