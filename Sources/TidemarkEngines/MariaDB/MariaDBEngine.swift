import Foundation
package import TidemarkCore

/// MariaDB and MySQL databases (SPEC §3): logical backups with `mariadb-dump` of one database
/// (never `--databases`, so the SQL names no database and restores under any new name),
/// measured as they stream by ``MariaDBDumpScanner``; restores into a new database on the same
/// server with the `mariadb` client (WAVE2.md §B).
///
/// MariaDB cannot rename a database, so a restore loads straight into the chosen name: the new
/// database carries the comment ``restoreMark`` until the restore is complete, and only a
/// database with that mark is ever dropped by a failed or dead restore.
package struct MariaDBEngine: DatabaseEngine {
    package let kind = EngineKind.mariadb
    package var capabilities: EngineCapabilities { Self.capabilities }
    package static let capabilities = EngineCapabilities(
        location: .server, physicalBackups: false, tableRestore: true, pointInTimeRecovery: false, managedInstances: false,
        defaultSchema: nil, streamFormat: "mariadb-sql", streamExtension: "sql"
    )
    /// The schema comment of a database a restore is still loading.
    static let restoreMark = "tidemark-restore in progress"

    let client: MariaDBClient

    /// - Parameter workDirectory: where the temporary client options files are written.
    package init(runner: any ProcessRunner, workDirectory: String) {
        self.client = MariaDBClient(runner: runner, workDirectory: workDirectory)
    }

    package func serverVersion(of target: DatabaseTarget) async throws -> String {
        try await client.query(target, "SELECT VERSION()", doing: "connecting").first?.first ?? ""
    }

    package func databaseExists(_ name: String, on target: DatabaseTarget) async throws -> Bool {
        let rows = try await client.query(target, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = \(MariaDBClient.literal(name))", doing: "checking database \(name)")
        return rows.first?.first != "0"
    }

    package func stagingName(for newName: String, operationID: String) -> String { newName }

    /// Publishing a restore: the database already has its name; the restore mark is removed.
    package func renameDatabase(_ name: String, to newName: String, on target: DatabaseTarget) async throws {
        guard name == newName else {
            throw EngineError(.notSupported, "MariaDB cannot rename database \(name) to \(newName)", hint: "Restore into the name you want.")
        }
        _ = try await client.query(target, "ALTER DATABASE \(MariaDBClient.identifier(name)) COMMENT ''", doing: "publishing \(name)", failure: .restoreFailed)
    }

    /// Drops `name` only when a restore is still loading it (it carries ``restoreMark``).
    package func dropDatabase(_ name: String, on target: DatabaseTarget) async throws {
        let rows = try await client.query(
            target, "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = \(MariaDBClient.literal(name))", doing: "checking database \(name)"
        )
        guard rows.first?.first == Self.restoreMark else { return }
        _ = try await client.query(target, "DROP DATABASE IF EXISTS \(MariaDBClient.identifier(name))", doing: "dropping \(name)", failure: .restoreFailed)
    }

    package func dump(
        _ target: DatabaseTarget,
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ tablesDone: Int, _ tablesTotal: Int) -> Void
    ) async throws -> DumpSummary {
        let database = target.connection.database
        let facts = try await preflight(target)
        progress(0, facts.tables)
        var scanner = MariaDBDumpScanner()
        var reported = 0
        let outcome = try await client.run(
            ["mariadb-dump", "mysqldump"], target,
            [
                "--single-transaction", "--quick", "--routines", "--events", "--triggers", "--hex-blob",
                "--default-character-set=utf8mb4", "--skip-dump-date", database,
            ],
            output: { buffer in
                scanner.consume(buffer)
                try await sink(buffer)
                if scanner.tables.count != reported {
                    reported = scanner.tables.count
                    progress(max(0, reported - 1), max(facts.tables, reported))
                }
            }
        )
        guard outcome.succeeded else { throw MariaDBErrorClassifier.classify(outcome.standardError, target: target.connection, doing: "dumping \(database)") }
        scanner.finish()
        progress(scanner.tables.count, scanner.tables.count)
        let tables = scanner.tables.map { TableContents(schema: database, name: $0.name, bytes: $0.bytes, rows: $0.rows) }
        let objects = Self.objects(of: scanner, database: database)
        return DumpSummary(
            serverVersion: facts.version,
            format: Self.capabilities.streamFormat,
            databases: [DatabaseContents(name: database, bytes: tables.reduce(0) { $0 + $1.bytes }, tables: tables)],
            objects: objects,
            warnings: facts.warnings
        )
    }

    /// What the dump needs to know first, and refuses: a user whose privileges would make
    /// `mariadb-dump` leave out views, triggers, events or routines without an error.
    /// - Throws: `permission-denied` naming the missing privileges.
    func preflight(_ target: DatabaseTarget) async throws -> (version: String, tables: Int, warnings: [String]) {
        let database = target.connection.database
        let version = try await serverVersion(of: target)
        let grants = try await client.query(target, "SHOW GRANTS", doing: "reading the privileges of \(target.connection.user)").compactMap(\.first)
        let literal = MariaDBClient.literal(database)
        let counts = try await client.query(target, """
            SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = \(literal) AND TABLE_TYPE = 'BASE TABLE'),
                   (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = \(literal))
            """, doing: "counting the objects of \(database)").first ?? []
        var missing = ["SELECT", "SHOW VIEW", "TRIGGER", "EVENT"].filter { !Self.grants(grants, allow: $0, on: database) }
        // SHOW CREATE of another user's routine needs SELECT on mysql.proc (here: global SELECT).
        if Int(counts.count > 1 ? counts[1] : "0") ?? 0 > 0, !Self.grants(grants, allow: "SELECT", on: nil), !grants.contains(where: { $0.contains("`mysql`.`proc`") }) {
            missing.append("SELECT on mysql.proc (for routines)")
        }
        if !missing.isEmpty {
            throw EngineError(
                .permissionDenied,
                "MariaDB user \(target.connection.user) lacks \(missing.joined(separator: ", ")) on \(database): mariadb-dump would leave out views, triggers, events or routines without an error",
                hint: "GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON \(MariaDBClient.identifier(database)).* TO the backup user (and SELECT ON mysql.proc when the database has routines)."
            )
        }
        let others = try await client.query(target, """
            SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES
            WHERE TABLE_SCHEMA = \(literal) AND TABLE_TYPE = 'BASE TABLE' AND ENGINE IS NOT NULL AND ENGINE <> 'InnoDB' ORDER BY TABLE_NAME
            """, doing: "reading the table engines of \(database)")
        let warnings = others.filter { $0.count == 2 }.map {
            "table \($0[0]) uses \($0[1]), which --single-transaction does not cover: it is read as it is at that moment, not as of the snapshot"
        }
        return (version, Int(counts.first ?? "0") ?? 0, warnings)
    }

    /// Whether `grants` (SHOW GRANTS lines) allow `privilege` on `database` (nil: globally).
    static func grants(_ grants: [String], allow privilege: String, on database: String?) -> Bool {
        let scopes = ["*.*"] + (database.map { ["\(MariaDBClient.identifier($0)).*"] } ?? [])
        return grants.contains { line in
            guard line.hasPrefix("GRANT "), let on = line.range(of: " ON ") else { return false }
            let privileges = line[line.index(line.startIndex, offsetBy: 6)..<on.lowerBound].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let rest = line[on.upperBound...]
            guard scopes.contains(where: { rest.hasPrefix($0 + " ") }) else { return false }
            return privileges.contains("ALL PRIVILEGES") || privileges.contains(privilege)
        }
    }

    /// The dump's parts as objects with their places in the stream: `HEADER` (the session
    /// settings before the first object), one `TABLE` per table (its structure, data and
    /// triggers), one `FK CONSTRAINT` per foreign key (`name` is `table constraint`), `FOOTER`.
    static func objects(of scanner: MariaDBDumpScanner, database: String) -> [DumpObject] {
        let headerEnd = scanner.headerEnd ?? scanner.footerStart ?? scanner.size
        let footerStart = scanner.footerStart ?? scanner.size
        var objects = [DumpObject(id: 1, kind: "HEADER", schema: nil, name: "HEADER", dependencies: [], offset: 0, length: headerEnd)]
        var id = 1
        for table in scanner.tables {
            id += 1
            let tableID = id
            let end = table.end ?? footerStart
            objects.append(DumpObject(id: tableID, kind: "TABLE", schema: database, name: table.name, dependencies: [], offset: table.start, length: end - table.start))
            for (constraint, referenced) in zip(table.foreignKeys, table.references) {
                id += 1
                objects.append(DumpObject(id: id, kind: "FK CONSTRAINT", schema: database, name: "\(table.name) \(constraint)", dependencies: [tableID], references: referenced))
            }
        }
        objects.append(DumpObject(id: id + 1, kind: "FOOTER", schema: nil, name: "FOOTER", dependencies: [], offset: footerStart, length: scanner.size - footerStart))
        return objects
    }

    /// Everything, or one table: the header, the table's section and the footer of the dump.
    /// A foreign key to another table is refused unless `skipMissingForeignKeys`, which drops
    /// it after loading (the dump creates tables with foreign key checks off).
    /// - Throws: `table-not-found`, `missing-dependency`.
    package func planRestore(_ scope: RestoreScope, objects: [DumpObject], options: RestoreOptions) throws -> RestorePlan {
        guard case .table(_, let name) = scope else { return RestorePlan(scope: .everything, objectIDs: nil, skipped: []) }
        guard let table = objects.first(where: { $0.kind == "TABLE" && $0.name == name }) else {
            throw EngineError(.tableNotFound, "table \(name) is not in this backup", hint: "'tidemark backup show ID' lists its tables.")
        }
        let parts = [objects.first { $0.kind == "HEADER" }, table, objects.first { $0.kind == "FOOTER" }].compactMap { $0 }
        let ranges = parts.compactMap { part in part.offset.flatMap { offset in part.length.map { ByteRange(offset: offset, length: $0) } } }
        guard ranges.count == 3 else {
            throw EngineError(.notSupported, "this backup does not record where its tables are", hint: "Restore the whole backup, then copy the table.")
        }
        let foreign = objects.filter { $0.kind == "FK CONSTRAINT" && $0.dependencies == [table.id] && $0.references != name }
        if !foreign.isEmpty && !options.skipMissingForeignKeys {
            let targets = Set(foreign.compactMap(\.references)).sorted().joined(separator: ", ")
            throw EngineError(
                .missingDependency, "table \(name) has foreign keys to \(targets), which a one-table restore does not bring",
                hint: "Add --skip-missing-foreign-keys to restore it without those keys, or restore the whole backup."
            )
        }
        // An FK CONSTRAINT object is named `table constraint`.
        let dropped = foreign.map { RestorePlan.ForeignKeyName(table: name, constraint: String($0.name.dropFirst(name.count + 1))) }
        return RestorePlan(
            scope: scope, objectIDs: parts.map(\.id),
            skipped: zip(dropped, foreign).map { key, object in "foreign key \(key.constraint) of \(name) to \(object.references ?? "")" },
            ranges: ranges, droppedForeignKeys: dropped
        )
    }

    /// Creates `newDatabase` with the source's character set and collation, marked as being
    /// restored, and loads the dump into it with the `mariadb` client; drops it again when that
    /// fails.
    package func restore(_ plan: RestorePlan, server: DatabaseTarget, newDatabase: String, from source: () async throws -> [UInt8]?) async throws {
        let defaults = try await client.query(server, """
            SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = \(MariaDBClient.literal(server.connection.database))
            """, doing: "reading the character set of \(server.connection.database)").first ?? []
        var create = "CREATE DATABASE \(MariaDBClient.identifier(newDatabase))"
        if defaults.count == 2 { create += " CHARACTER SET \(defaults[0]) COLLATE \(defaults[1])" }
        create += " COMMENT \(MariaDBClient.literal(Self.restoreMark))"
        _ = try await client.query(server, create, doing: "creating database \(newDatabase)", failure: .restoreFailed)
        do {
            var filter = plan.ranges.map { RangeFilter(ranges: $0) }
            let outcome = try await client.run(["mariadb", "mysql"], server.with(database: newDatabase), [newDatabase]) {
                guard filter != nil else { return try await source() }
                while let chunk = try await source() {
                    if let kept = filter?.keep(chunk), !kept.isEmpty { return kept }
                    if filter?.isDone == true { return nil }
                }
                return nil
            }
            guard outcome.succeeded else {
                throw MariaDBErrorClassifier.classify(outcome.standardError, target: server.connection, doing: "restoring into \(newDatabase)", failure: .restoreFailed)
            }
            for key in plan.droppedForeignKeys {
                _ = try await client.query(
                    server, "ALTER TABLE \(MariaDBClient.identifier(newDatabase)).\(MariaDBClient.identifier(key.table)) DROP FOREIGN KEY \(MariaDBClient.identifier(key.constraint))",
                    doing: "dropping foreign key \(key.constraint) of \(key.table)", failure: .restoreFailed
                )
            }
        } catch {
            try? await dropDatabase(newDatabase, on: server)
            throw error
        }
    }
}

/// Passes on only the bytes of a stream that fall in `ranges` (ascending, not overlapping).
struct RangeFilter {
    private let ranges: [ByteRange]
    private var index = 0
    private var offset: Int64 = 0

    init(ranges: [ByteRange]) { self.ranges = ranges.sorted { $0.offset < $1.offset } }

    /// No range is left: the rest of the stream is not needed.
    var isDone: Bool { index >= ranges.count }

    /// The part of `chunk` (the stream's next bytes) inside the ranges.
    mutating func keep(_ chunk: [UInt8]) -> [UInt8] {
        var kept: [UInt8] = []
        let start = offset
        let end = offset + Int64(chunk.count)
        while index < ranges.count {
            let range = ranges[index]
            let lower = max(start, range.offset)
            let upper = min(end, range.offset + range.length)
            if lower < upper { kept.append(contentsOf: chunk[Int(lower - start)..<Int(upper - start)]) }
            if range.offset + range.length <= end { index += 1 } else { break }
        }
        offset = end
        return kept
    }
}
