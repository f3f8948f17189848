/// How to use an exported backup with the engine's own tools, by stream format.
package enum ExportHint {
    /// A sentence naming the command that reads `path`, or a plain note for unknown formats.
    package static func text(format: String, path: String) -> String {
        switch format {
        case "pg_dump-custom": "restore it with: pg_restore -d DB \(path)"
        case "pg_basebackup-tar": "unpack it into an empty data directory with: tar -xf \(path) -C DATADIR"
        case "sqlite-file": "it is a plain SQLite database: sqlite3 \(path)"
        case "mariadb-sql": "load it into an existing empty database with: mariadb DB < \(path)"
        default: "its format is \(format)"
        }
    }
}
