package import Foundation
import Crypto
package import TidemarkCore

/// AWS Signature Version 4 with header authorization, as S3 and every S3-compatible service
/// expects it (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
///
/// Pure: the caller passes the time, so the same request always gets the same signature, which
/// is what the tests compare against AWS's published examples and botocore.
package struct SigV4Signer: Sendable {
    /// A request as the signer sees it.
    package struct Request: Sendable {
        package var method: String
        /// The path exactly as sent, already percent-encoded (S3 does not encode it twice).
        package var encodedPath: String
        /// Query parameters, not yet encoded.
        package var query: [(name: String, value: String)]
        /// Headers to sign; `host` must be among them.
        package var headers: [(name: String, value: String)]
        /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        package var payloadHash: String

        package init(method: String, encodedPath: String, query: [(name: String, value: String)], headers: [(name: String, value: String)], payloadHash: String) {
            self.method = method
            self.encodedPath = encodedPath
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    package let accessKeyID: String
    package let secretAccessKey: Secret<String>
    package let region: String
    package let service: String

    package init(accessKeyID: String, secretAccessKey: Secret<String>, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// `20150830T123600Z`: the value of `x-amz-date`, which must be among the signed headers.
    package static func amzDate(_ date: Date) -> String {
        let c = utcComponents(date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// The value of the `Authorization` header for `request` made at `date`.
    package func authorization(for request: Request, at date: Date) -> String {
        let signed = signedHeaderNames(request)
        let signature = self.signature(for: request, at: date)
        return "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope(date)), SignedHeaders=\(signed), Signature=\(signature)"
    }

    /// The hex signature of `request`.
    package func signature(for request: Request, at date: Date) -> String {
        let key = signingKey(date)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(stringToSign(for: request, at: date).utf8), using: key)
        return Self.hex(mac)
    }

    /// Step 1 of the algorithm; exposed so tests can compare it line by line.
    package func canonicalRequest(_ request: Request) -> String {
        let encodedPairs: [(name: String, value: String)] = request.query.map { (name: Self.encode($0.name), value: Self.encode($0.value)) }
        let sortedPairs = encodedPairs.sorted { lhs, rhs in lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name }
        let query = sortedPairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let headers = canonicalHeaders(request)
        let headerLines = headers.map { "\($0.name):\($0.value)\n" }.joined()
        return [
            request.method,
            request.encodedPath.isEmpty ? "/" : request.encodedPath,
            query,
            headerLines,
            headers.map(\.name).joined(separator: ";"),
            request.payloadHash,
        ].joined(separator: "\n")
    }

    /// Step 2 of the algorithm.
    package func stringToSign(for request: Request, at date: Date) -> String {
        let hash = Self.hex(SHA256.hash(data: Data(canonicalRequest(request).utf8)))
        return "AWS4-HMAC-SHA256\n\(Self.amzDate(date))\n\(scope(date))\n\(hash)"
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters, as SigV4 requires for
    /// query names and values and for each segment of an S3 object key.
    package static func encode(_ value: String, keepingSlash: Bool = false) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlash:
                result.append("/")
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    /// Lowercase hex of a digest or MAC.
    package static func hex(_ bytes: some Sequence<UInt8>) -> String {
        Hex.encode(bytes)
    }

    /// Hex SHA-256, the `x-amz-content-sha256` of a body.
    package static func payloadHash(_ bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    // MARK: Internals

    private func canonicalHeaders(_ request: Request) -> [(name: String, value: String)] {
        var merged: [String: [String]] = [:]
        for header in request.headers {
            merged[header.name.lowercased(), default: []].append(Self.collapseSpaces(header.value))
        }
        return merged.map { (name: $0.key, value: $0.value.joined(separator: ",")) }.sorted { $0.name < $1.name }
    }

    private func signedHeaderNames(_ request: Request) -> String {
        canonicalHeaders(request).map(\.name).joined(separator: ";")
    }

    private func scope(_ date: Date) -> String {
        "\(Self.amzDate(date).prefix(8))/\(region)/\(service)/aws4_request"
    }

    private func signingKey(_ date: Date) -> SymmetricKey {
        func mac(_ key: SymmetricKey, _ text: some StringProtocol) -> SymmetricKey {
            SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
        }
        let dateKey = mac(SymmetricKey(data: Data("AWS4\(secretAccessKey.revealed)".utf8)), Self.amzDate(date).prefix(8))
        return mac(mac(mac(dateKey, region), service), "aws4_request")
    }

    private static func collapseSpaces(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    private static func utcComponents(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }
}
