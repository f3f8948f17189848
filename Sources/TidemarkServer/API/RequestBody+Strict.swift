import Foundation
import Hummingbird
import NIOCore

/// A JSON request body with a closed set of fields: unknown fields are refused with 400, so a
/// typo (`"shedule"`) never silently does nothing.
protocol StrictBody: Decodable {
    /// The fields the body may carry.
    static var fields: Set<String> { get }
    /// For fields that hold objects, the fields those objects may carry.
    static var nestedFields: [String: Set<String>] { get }
}

extension StrictBody {
    static var nestedFields: [String: Set<String>] { [:] }
}

extension Request {
    /// Reads and decodes the body as `T`, refusing (400) bodies over the context's size limit,
    /// malformed JSON, anything but an object, unknown fields, missing fields and wrong types.
    func decodeStrict<T: StrictBody>(_ type: T.Type, context: APIRequestContext) async throws -> T {
        var request = self
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            // A chunked body without a length: read what is left before answering (BodyLimitMiddleware).
            try await BodyLimitMiddleware.drain(request)
            throw BodyLimitMiddleware.tooLarge(limit: context.maxUploadSize)
        }
        let data = Data(buffer.readableBytesView)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw APIError.badRequest("invalid-json", data.isEmpty ? "the request has no JSON body" : "the request body is not valid JSON", hint: "Send a JSON object with Content-Type: application/json.")
        }
        guard let fields = object as? [String: Any] else {
            throw APIError.badRequest("invalid-json", "the request body must be a JSON object")
        }
        try Self.checkFields(fields, allowed: T.fields, path: "")
        for (field, allowed) in T.nestedFields {
            if let nested = fields[field] as? [String: Any] { try Self.checkFields(nested, allowed: allowed, path: "\(field).") }
        }
        let decoded: T
        do {
            decoded = try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest("invalid-field", Self.describe(error))
        }
        // No documented field is nullable: `{"readData": null}` is a mistake, not "absent"
        // (the decoder reads it as absent; required fields were refused above already).
        try Self.refuseNulls(fields, path: "")
        for field in T.nestedFields.keys {
            if let nested = fields[field] as? [String: Any] { try Self.refuseNulls(nested, path: "\(field).") }
        }
        return decoded
    }

    private static func refuseNulls(_ object: [String: Any], path: String) throws {
        if let null = object.filter({ $0.value is NSNull }).keys.sorted().first {
            throw APIError.badRequest("invalid-field", "field '\(path)\(null)' must not be null", hint: "Leave the field out to use its default.")
        }
    }

    private static func checkFields(_ object: [String: Any], allowed: Set<String>, path: String) throws {
        let unknown = Set(object.keys).subtracting(allowed).sorted()
        guard unknown.isEmpty else {
            throw APIError.badRequest(
                "unknown-field",
                "unknown field\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\(path)\($0)'" }.joined(separator: ", "))",
                hint: "Allowed: \(allowed.sorted().map { path + $0 }.joined(separator: ", "))."
            )
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func name(_ path: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = (path + (last.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "field '\(name(context.codingPath))' must be \(Self.typeName(type))"
        case .valueNotFound(let type, let context):
            return "field '\(name(context.codingPath))' must be \(Self.typeName(type)), not null"
        case .keyNotFound(let key, let context):
            return "field '\(name(context.codingPath, key))' is required"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the request body is not valid JSON" : "field '\(name(context.codingPath))' has an invalid value"
        @unknown default:
            return "the request body does not have the expected shape"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        default: "an object of the documented shape"
        }
    }
}

extension Request {
    /// The query parameter `name`, if present; present but empty (`?database=`) is refused,
    /// since no documented parameter takes an empty value.
    /// - Throws: `APIError` 400 `invalid-query`.
    func query(_ name: String) throws -> String? {
        guard let value = uri.queryParameters[Substring(name)] else { return nil }
        guard !value.isEmpty else {
            throw APIError.badRequest("invalid-query", "query parameter '\(name)' is empty", hint: "Leave it out, or give a value (see /api/v1/openapi.json).")
        }
        return String(value)
    }

    /// The integer query parameter `name`, refusing non-integers with 400.
    func queryInt(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = try query(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.badRequest("invalid-query", "query parameter '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The boolean query parameter `name` (`true`/`false`), refusing anything else with 400.
    func queryBool(_ name: String) throws -> Bool? {
        guard let text = try query(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw APIError.badRequest("invalid-query", "query parameter '\(name)' must be true or false")
        }
    }

    /// The enum query parameter `name`, refusing unknown values with 400.
    func queryEnum<T: RawRepresentable & CaseIterable>(_ name: String, as: T.Type) throws -> T? where T.RawValue == String {
        guard let text = try query(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw APIError.badRequest("invalid-query", "query parameter '\(name)' must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
