import Testing
import TidemarkCore
import TidemarkEngines

/// Dump objects shaped like pg_dump's TOC for: customers, orders (FK to customers), a serial
/// sequence owned by orders, an index, a view over both, and a schema `app` with table `app.t`.
let sampleObjects: [DumpObject] = [
    DumpObject(id: 1, kind: "SCHEMA", schema: nil, name: "app", dependencies: []),
    DumpObject(id: 2, kind: "TABLE", schema: "public", name: "customers", dependencies: []),
    DumpObject(id: 3, kind: "TABLE", schema: "public", name: "orders", dependencies: []),
    DumpObject(id: 4, kind: "SEQUENCE", schema: "public", name: "orders_id_seq", dependencies: []),
    DumpObject(id: 5, kind: "SEQUENCE OWNED BY", schema: "public", name: "orders_id_seq", dependencies: [4, 3]),
    DumpObject(id: 6, kind: "DEFAULT", schema: "public", name: "orders id", dependencies: [3, 4]),
    DumpObject(id: 7, kind: "VIEW", schema: "public", name: "order_totals", dependencies: [2, 3]),
    DumpObject(id: 8, kind: "TABLE", schema: "app", name: "t", dependencies: [1]),
    DumpObject(id: 9, kind: "TABLE DATA", schema: "public", name: "customers", dependencies: [2]),
    DumpObject(id: 10, kind: "TABLE DATA", schema: "public", name: "orders", dependencies: [3]),
    DumpObject(id: 11, kind: "SEQUENCE SET", schema: "public", name: "orders_id_seq", dependencies: [4]),
    DumpObject(id: 12, kind: "CONSTRAINT", schema: "public", name: "customers customers_pkey", dependencies: [2]),
    DumpObject(id: 13, kind: "CONSTRAINT", schema: "public", name: "orders orders_pkey", dependencies: [3]),
    DumpObject(id: 14, kind: "INDEX", schema: "public", name: "orders_by_customer", dependencies: [3]),
    DumpObject(id: 15, kind: "FK CONSTRAINT", schema: "public", name: "orders orders_customer_id_fkey", dependencies: [3, 2, 12], references: "public.customers"),
    DumpObject(id: 16, kind: "TABLE DATA", schema: "app", name: "t", dependencies: [8]),
]

@Suite struct PostgresRestorePlannerTests {
    @Test("a whole restore needs no object list")
    func everything() throws {
        #expect(try PostgresRestorePlanner.plan(.everything, objects: sampleObjects, options: RestoreOptions()).objectIDs == nil)
    }

    @Test("a table comes with its data, keys and indexes, but not another table's foreign key or a view")
    func referencedTable() throws {
        let plan = try PostgresRestorePlanner.plan(.table(schema: "public", name: "customers"), objects: sampleObjects, options: RestoreOptions())
        #expect(plan.objectIDs == [2, 9, 12])
        #expect(plan.skipped.isEmpty)
    }

    @Test("a table with a foreign key to a table not restored is refused, naming both")
    func refusesMissingForeignKey() {
        let error = #expect(throws: EngineError.self) {
            try PostgresRestorePlanner.plan(.table(schema: "public", name: "orders"), objects: sampleObjects, options: RestoreOptions())
        }
        #expect(error?.kind == .missingDependency)
        #expect(error?.message == "table public.orders has foreign key orders_customer_id_fkey referencing public.customers, which is not part of this restore")
        #expect(error?.hint?.contains("--skip-missing-foreign-keys") == true)
    }

    @Test("--skip-missing-foreign-keys leaves the key out and says so; the owned sequence comes along")
    func skipsMissingForeignKey() throws {
        let plan = try PostgresRestorePlanner.plan(
            .table(schema: "public", name: "orders"), objects: sampleObjects, options: RestoreOptions(skipMissingForeignKeys: true)
        )
        #expect(plan.objectIDs == [3, 4, 5, 6, 10, 11, 13, 14])
        #expect(plan.skipped == ["foreign key orders_customer_id_fkey (references public.customers, which is not restored)"])
    }

    @Test("a table in another schema brings its schema")
    func schema() throws {
        #expect(try PostgresRestorePlanner.plan(.table(schema: "app", name: "t"), objects: sampleObjects, options: RestoreOptions()).objectIDs == [1, 8, 16])
    }

    @Test("an unknown table is refused with the tables that exist")
    func unknownTable() {
        let error = #expect(throws: EngineError.self) {
            try PostgresRestorePlanner.plan(.table(schema: "public", name: "nope"), objects: sampleObjects, options: RestoreOptions())
        }
        #expect(error?.kind == .tableNotFound)
        #expect(error?.message == "table public.nope is not in this backup")
        #expect(error?.hint?.contains("public.customers") == true)
    }
}
