package import TidemarkCore

/// Chooses which dump objects a one-table restore needs, and refuses impossible requests
/// before any work starts (SPEC §4.6). Pure: tested as values.
///
/// The table comes with what hangs off it (its data, indexes, constraints, defaults,
/// triggers, comments, grants, owned and identity sequences and their values) and what it
/// needs (its schema, types, domains, functions and sequences). Foreign keys to tables that
/// are not restored are refused unless `skipMissingForeignKeys` is set, in which case they are
/// left out and listed in `skipped`.
package enum PostgresRestorePlanner {
    /// Kinds restored together with a table when they depend on it (or on what came with it).
    static let dependentKinds: Set<String> = [
        "TABLE DATA", "INDEX", "CONSTRAINT", "FK CONSTRAINT", "CHECK CONSTRAINT", "DEFAULT", "TRIGGER",
        "COMMENT", "ACL", "SEQUENCE", "SEQUENCE OWNED BY", "SEQUENCE SET", "POLICY", "ROW SECURITY",
        "STATISTICS", "RULE", "INDEX ATTACH", "SECURITY LABEL",
    ]
    /// Kinds pulled in because a restored object depends on them.
    static let prerequisiteKinds: Set<String> = [
        "SCHEMA", "TYPE", "DOMAIN", "SEQUENCE", "EXTENSION", "COLLATION", "FUNCTION", "SHELL TYPE",
        "TEXT SEARCH CONFIGURATION", "TEXT SEARCH DICTIONARY", "CONVERSION",
    ]

    /// Kinds whose pg_dump tag is "<table> <name>".
    static let tableOwnedKinds: Set<String> = ["CONSTRAINT", "FK CONSTRAINT", "CHECK CONSTRAINT", "TRIGGER", "POLICY", "RULE", "DEFAULT"]

    static func owningTable(of object: DumpObject) -> String? {
        guard tableOwnedKinds.contains(object.kind), let first = object.name.split(separator: " ").first else { return nil }
        return "\(object.schema ?? "").\(first)"
    }

    package static func plan(_ scope: RestoreScope, objects: [DumpObject], options: RestoreOptions) throws -> RestorePlan {
        guard case .table(let schema, let name) = scope else {
            return RestorePlan(scope: scope, objectIDs: nil, skipped: [])
        }
        guard let table = objects.first(where: { $0.kind == "TABLE" && $0.schema == schema && $0.name == name }) else {
            let tables = objects.filter { $0.kind == "TABLE" }.map { "\($0.schema ?? "").\($0.name)" }.sorted()
            let sample = tables.prefix(10).joined(separator: ", ")
            throw EngineError(
                .tableNotFound,
                "table \(schema).\(name) is not in this backup",
                hint: tables.isEmpty ? "The backup contains no tables." : "Tables in this backup: \(sample)\(tables.count > 10 ? ", …" : ""). Give the table as SCHEMA.TABLE."
            )
        }
        let byID = Dictionary(objects.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let tableIDs = Set(objects.filter { $0.kind == "TABLE" }.map(\.id))
        var selected: Set<Int> = [table.id]
        let selectedTables: Set<String> = ["\(schema).\(name)"]
        var changed = true
        while changed {
            changed = false
            for object in objects where !selected.contains(object.id) {
                // A foreign key on another table depends on this table's key, but it belongs to
                // the other table. pg_dump tags table-owned objects "table name", so the owner
                // is known; for other kinds, every table depended on must be restored.
                let belongs: Bool
                if let owner = owningTable(of: object) {
                    belongs = selectedTables.contains(owner)
                } else {
                    belongs = object.dependencies.allSatisfy { !tableIDs.contains($0) || selected.contains($0) }
                }
                let isDependent = belongs && dependentKinds.contains(object.kind) && object.dependencies.contains(where: selected.contains)
                if isDependent {
                    selected.insert(object.id)
                    changed = true
                }
            }
            for id in selected {
                for dependency in byID[id]?.dependencies ?? [] where !selected.contains(dependency) {
                    if let needed = byID[dependency], prerequisiteKinds.contains(needed.kind) {
                        selected.insert(dependency)
                        changed = true
                    }
                }
            }
        }
        // The public schema exists in every new database; restoring its entry would fail.
        if let schemaEntry = objects.first(where: { $0.kind == "SCHEMA" && $0.name == schema }), schema != "public" {
            selected.insert(schemaEntry.id)
        }
        var skipped: [String] = []
        let restoredTables = Set(objects.filter { $0.kind == "TABLE" && selected.contains($0.id) }.map { "\($0.schema ?? "").\($0.name)" })
        for object in objects where selected.contains(object.id) && object.kind == "FK CONSTRAINT" {
            guard let referenced = object.references, !restoredTables.contains(referenced) else { continue }
            let constraint = object.name.split(separator: " ").last.map(String.init) ?? object.name
            if options.skipMissingForeignKeys {
                selected.remove(object.id)
                skipped.append("foreign key \(constraint) (references \(referenced), which is not restored)")
            } else {
                throw EngineError(
                    .missingDependency,
                    "table \(schema).\(name) has foreign key \(constraint) referencing \(referenced), which is not part of this restore",
                    hint: "Restore the whole backup, or pass --skip-missing-foreign-keys to restore the table without that constraint."
                )
            }
        }
        let ordered = objects.filter { selected.contains($0.id) }.map(\.id)
        return RestorePlan(scope: scope, objectIDs: ordered, skipped: skipped)
    }
}
