import Foundation
package import TidemarkCore

/// A job's request: what to do, stored with its operation as JSON (``StoredRequest``
/// version 2) so a worker in another process can run it.
package protocol JobRequest: Codable, Sendable, Equatable {
    /// Reads a request stored before requests were typed (``StoredRequest`` version 1: a flat
    /// object of strings); `operation` supplies what those rows kept in their columns.
    init(legacy parameters: [String: String], operation: OperationRecord) throws
}

extension JobRequest {
    /// The request as the catalog stores it.
    package func stored() throws -> StoredRequest {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return StoredRequest(version: StoredRequest.currentVersion, json: String(decoding: try encoder.encode(self), as: UTF8.self))
    }

    /// Reads the request of `operation`, in either stored version.
    /// - Throws: `invalid-operation` (internal) when it cannot be read.
    package init(from operation: OperationRecord) throws {
        let data = Data(operation.request.json.utf8)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            switch operation.request.version {
            case 1: try self.init(legacy: try decoder.decode([String: String].self, from: data), operation: operation)
            case StoredRequest.currentVersion: self = try decoder.decode(Self.self, from: data)
            default:
                throw TidemarkError(
                    code: "invalid-operation",
                    message: "operation \(operation.id) was stored by a newer Tidemark (request version \(operation.request.version))",
                    hint: "Run it with the Tidemark version that queued it, or cancel it.",
                    category: .internal
                )
            }
        } catch let error as any UserFacingError {
            throw error
        } catch {
            throw TidemarkError(code: "invalid-operation", message: "operation \(operation.id) has a request that cannot be read: \(error)", category: .internal)
        }
    }

    /// The legacy value of `key`, or `invalid-operation` naming what is missing.
    static func require(_ key: String, in parameters: [String: String], of operation: OperationRecord, fallback: String? = nil) throws -> String {
        guard let value = parameters[key] ?? fallback else {
            throw TidemarkError(code: "invalid-operation", message: "operation \(operation.id) lacks '\(key)' in its request", category: .internal)
        }
        return value
    }
}
