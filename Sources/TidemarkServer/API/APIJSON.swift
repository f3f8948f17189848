import Foundation
import Hummingbird

/// JSON encoding of API responses: camelCase keys as the representations define them, sorted
/// keys, ISO 8601 dates, the same shapes as the CLI's `--output json`.
enum APIJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func bytes(_ value: some Encodable) throws -> Data {
        try encoder().encode(value)
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try bytes(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
