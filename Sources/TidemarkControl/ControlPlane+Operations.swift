package import TidemarkCore

extension ControlPlane {
    /// Operations, newest first.
    package func operations(status: OperationStatus?) async throws -> [OperationRecord] {
        try await catalog.operations(status: status)
    }

    /// The operation `id`.
    /// - Throws: `ControlError` `operation-not-found`.
    package func operation(id: String) async throws -> OperationRecord {
        guard let operation = try await catalog.operation(id: id) else {
            throw ControlError(.operationNotFound, "operation \(id) does not exist", hint: "Run 'tidemark op list' to see operation ids.")
        }
        return operation
    }

    /// The log lines of operation `id`.
    package func operationLogs(id: String) async throws -> [OperationLogLine] {
        _ = try await operation(id: id)
        return try await catalog.logs(operationID: id)
    }
}
