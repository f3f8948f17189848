import Foundation
import Testing
import TidemarkCatalog
import TidemarkCore
import TidemarkTesting

@Suite struct SQLiteCatalogTests {
    func database(_ name: String, password: String) -> DatabaseRecord {
        DatabaseRecord(
            name: name,
            engine: .postgres,
            connection: DatabaseConnection(host: "127.0.0.1", port: 5432, user: "app", database: name),
            password: Secret(password),
            createdAt: Date(timeIntervalSince1970: 1_700_000_000)
        )
    }

    @Test("database passwords are sealed: never in plain text in the catalog file, readable back with the key")
    func sealsPasswords() async throws {
        try await withTemporaryDirectory { home in
            let password = "s3cr3t-\(Identifier.make())"
            do {
                let catalog = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: try SecretSealer.load(home: home, environment: [:]))
                try await catalog.insertDatabase(database("shop", password: password))
            }
            for file in try FileManager.default.contentsOfDirectory(atPath: home) {
                let bytes = FileManager.default.contents(atPath: "\(home)/\(file)") ?? Data()
                #expect(bytes.range(of: Data(password.utf8)) == nil, "password found in \(file)")
            }
            let reopened = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: try SecretSealer.load(home: home, environment: [:]))
            #expect(try await reopened.database(named: "shop")?.password?.revealed == password)
            let otherKey = try SQLiteCatalog(path: "\(home)/catalog.sqlite", sealer: SecretSealer(key: Array(repeating: 7, count: 32)))
            let error = await #expect(throws: CatalogError.self) { _ = try await otherKey.database(named: "shop") }
            #expect(error?.kind == .sealedSecretUnreadable)
        }
    }

    @Test("names are unique: a second insert is a name conflict")
    func nameConflict() async throws {
        try await withTemporaryDirectory { home in
            let catalog = try SQLiteCatalog(path: "\(home)/c.sqlite", sealer: SecretSealer(key: Array(repeating: 1, count: 32)))
            try await catalog.insertDatabase(database("shop", password: "a"))
            let error = await #expect(throws: CatalogError.self) { try await catalog.insertDatabase(database("shop", password: "b")) }
            #expect(error?.kind == .nameConflict)
            #expect(error?.message == "a database named shop already exists")
        }
    }

    @Test("operations keep status, step, error and logs across reopen")
    func operationsAreDurable() async throws {
        try await withTemporaryDirectory { home in
            let sealer = SecretSealer(key: Array(repeating: 1, count: 32))
            var operation = OperationRecord(id: "op1", kind: .backup, status: .running, step: "dumping", attempt: 1, summary: "backup shop", createdAt: Date())
            do {
                let catalog = try SQLiteCatalog(path: "\(home)/c.sqlite", sealer: sealer)
                try await catalog.insertOperation(operation)
                operation.status = .failed
                operation.lastError = ErrorInfo(code: "database-unreachable", message: "cannot reach PostgreSQL")
                operation.isRetryable = true
                try await catalog.updateOperation(operation)
                try await catalog.appendLog(operationID: "op1", line: OperationLogLine(time: Date(), level: "error", message: "boom"))
            }
            let catalog = try SQLiteCatalog(path: "\(home)/c.sqlite", sealer: sealer)
            let stored = try #require(try await catalog.operation(id: "op1"))
            #expect(stored.status == .failed)
            #expect(stored.step == "dumping")
            #expect(stored.isRetryable)
            #expect(stored.lastError?.code == "database-unreachable")
            #expect(try await catalog.logs(operationID: "op1").map(\.message) == ["boom"])
            #expect(try await catalog.operations(status: .failed).map(\.id) == ["op1"])
        }
    }
}
