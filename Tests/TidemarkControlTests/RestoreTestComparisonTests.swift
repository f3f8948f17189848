import Testing
import TidemarkControl
import TidemarkCore

@Suite struct RestoreTestComparisonTests {
    let expected = [
        TableContents(schema: "public", name: "orders", bytes: 100, rows: 10),
        TableContents(schema: "public", name: "customers", bytes: 50, rows: 5),
        TableContents(schema: "public", name: "gone", bytes: 5, rows: 1),
    ]

    @Test("missing, extra, other row counts and other contents are each reported; equal tables are not")
    func mismatches() {
        let actual = [
            TableContents(schema: "public", name: "orders", bytes: 100, rows: 9),
            TableContents(schema: "public", name: "customers", bytes: 50, rows: 5),
            TableContents(schema: "public", name: "extra", bytes: 1, rows: 1),
        ]
        let found = RestoreTestComparison.mismatches(
            expected: expected, actual: actual,
            expectedDigests: ["public.orders": 1, "public.customers": 7, "public.gone": 3], actualDigests: ["public.orders": 2, "public.customers": 8, "public.extra": 4],
            defaultSchema: "public"
        )
        #expect(found.map(\.table) == ["public.customers", "public.gone", "public.orders", "public.extra"])
        #expect(found[0].problem.contains("different contents"))
        #expect(found[1].problem == "in the backup, missing after the restore")
        #expect(found[2].problem == "10 rows in the backup, 9 restored")
        #expect(found[3].problem == "not in the backup, but restored")
        #expect(RestoreTestComparison.mismatches(expected: expected, actual: expected, expectedDigests: [:], actualDigests: [:], defaultSchema: "public").isEmpty)
    }

    @Test("engines without schemas match tables by name: the scratch database's name does not matter")
    func withoutSchemas() {
        let restored = expected.map { TableContents(schema: "tidemark_test_x", name: $0.name, bytes: $0.bytes, rows: $0.rows) }
        #expect(RestoreTestComparison.mismatches(expected: expected, actual: restored, expectedDigests: [:], actualDigests: [:], defaultSchema: nil).isEmpty)
    }
}
