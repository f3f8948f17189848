import AsyncHTTPClient
import Crypto
package import Foundation
package import Logging
import NIOCore
import NIOHTTP1
package import TidemarkCore

/// An `ObjectStore` in a bucket (and key prefix) of an S3-compatible service, spoken to with
/// our own SigV4 client so it works with AWS S3, MinIO, R2 and the rest alike.
///
/// Every upload carries its checksum (`x-amz-checksum-sha256`, or `Content-MD5` when the
/// settings turn checksum headers off) and a signed payload hash, so a body damaged on the way
/// is refused by the service. Objects above `multipartThreshold` go up in parts. Errors are
/// `StorageError`s whose kinds the connection test turns into its categories.
package struct S3ObjectStore: ObjectStore {
    package let settings: S3StorageSettings
    let signer: SigV4Signer
    let http: S3HTTPClient
    let endpoint: S3Endpoint
    let now: @Sendable () -> Date
    let logger: Logger
    /// Uploads larger than this use multipart upload.
    package var multipartThreshold = 64 << 20
    /// The size of each part (at least 5 MiB, grown when an object would need > 10,000 parts).
    package var partSize = 8 << 20
    /// How many parts are in flight at once.
    package var partConcurrency = 4
    /// Retries of single parts, so a transient failure does not restart a large upload.
    package var partRetry = RetryPolicy()

    /// - Throws: `StorageError` `invalid-storage-settings` for an endpoint that is not
    ///   `http(s)://host[:port]`.
    package init(settings: S3StorageSettings, secretAccessKey: Secret<String>, http: S3HTTPClient, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "tidemark.s3")) throws {
        self.settings = settings
        self.endpoint = try S3Endpoint(settings.endpoint)
        self.signer = SigV4Signer(accessKeyID: settings.accessKeyID, secretAccessKey: secretAccessKey, region: settings.region)
        self.http = http
        self.now = now
        self.logger = logger
    }

    package var location: String { "s3://\(settings.bucket)\(settings.prefix.isEmpty ? "" : "/" + settings.prefix) at \(settings.endpoint)" }

    // MARK: ObjectStore

    package func put(_ bytes: [UInt8], at key: String) async throws {
        let objectKey = try fullKey(key)
        if bytes.count > multipartThreshold {
            try await multipartUpload(of: bytes, at: objectKey, displayKey: key)
            return
        }
        let checksum = uploadChecksum(of: bytes)
        _ = try await send(
            .PUT, objectKey, headers: [("content-type", "application/octet-stream"), checksum.header],
            body: bytes, payloadHash: checksum.payloadHash, action: .put, displayKey: key
        )
    }

    package func get(_ key: String) async throws -> [UInt8] {
        let response = try await send(.GET, try fullKey(key), headers: checksumModeHeader, action: .get, displayKey: key)
        try checkIntegrity(of: response, key: key)
        return response.body
    }

    package func get(_ key: String, range: Range<Int64>) async throws -> [UInt8] {
        guard !range.isEmpty else { return [] }
        let response = try await send(.GET, try fullKey(key), headers: [("range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")], action: .get, displayKey: key)
        var body = response.body
        if response.status == 200, body.count > range.count {
            // A service may ignore Range and send the whole object; cut the part asked for.
            guard Int64(body.count) >= range.upperBound else {
                throw StorageError(.transferCorrupted, "object \(key) in \(location) is shorter than the range asked for", httpStatus: response.status)
            }
            body = Array(body[Int(range.lowerBound)..<Int(range.upperBound)])
        }
        guard body.count == range.count else {
            throw StorageError(.transferCorrupted, "reading bytes \(range.lowerBound)..<\(range.upperBound) of \(key) from \(location) returned \(body.count) bytes", hint: "The object may be shorter than expected or the connection was cut; retry.", httpStatus: response.status)
        }
        return body
    }

    package func size(of key: String) async throws -> Int64? {
        do {
            let response = try await send(.HEAD, try fullKey(key), action: .get, displayKey: key)
            guard let length = response.headers.first(name: "content-length").flatMap(Int64.init) else {
                throw StorageError(.unexpectedResponse, "the answer to HEAD \(key) in \(location) has no Content-Length", httpStatus: response.status)
            }
            return length
        } catch let error as StorageError where error.kind == .notFound {
            return nil
        }
    }

    package func delete(_ key: String) async throws {
        do {
            _ = try await send(.DELETE, try fullKey(key), action: .delete, displayKey: key)
        } catch let error as StorageError where error.kind == .notFound {
            return
        }
    }

    package func list(prefix: String) async throws -> [ObjectInfo] {
        let rootPrefix = settings.prefix.isEmpty ? "" : settings.prefix + "/"
        var results: [ObjectInfo] = []
        var token: String?
        repeat {
            var query = [(name: "list-type", value: "2"), (name: "prefix", value: rootPrefix + prefix)]
            if let token { query.append((name: "continuation-token", value: token)) }
            let response = try await send(.GET, nil, query: query, action: .list, displayKey: prefix)
            let xml = S3XML(response.body)
            guard xml.text.contains("ListBucketResult") else {
                throw StorageError(.unexpectedResponse, "the answer to listing \(prefix) in \(location) is not a ListObjectsV2 result", hint: "Check that the endpoint is an S3-compatible service.", underlying: String(xml.text.prefix(200)), httpStatus: response.status)
            }
            for entry in xml.blocks("Contents") {
                guard let fullKey = entry.value("Key"), fullKey.hasPrefix(rootPrefix), let size = entry.value("Size").flatMap(Int64.init) else { continue }
                results.append(ObjectInfo(key: String(fullKey.dropFirst(rootPrefix.count)), size: size))
            }
            token = xml.value("IsTruncated") == "true" ? xml.value("NextContinuationToken") : nil
        } while token != nil
        return results.sorted { $0.key < $1.key }
    }

    /// Deletes up to 1,000 keys per DeleteObjects request; missing keys are not errors.
    package func delete(keys: [String]) async throws {
        var start = 0
        while start < keys.count {
            let batch = Array(keys[start..<min(start + 1000, keys.count)])
            start += batch.count
            var body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
            for key in batch {
                body += "<Object><Key>\(S3XML.escape(try fullKey(key)))</Key></Object>"
            }
            body += "</Delete>"
            let bytes = Array(body.utf8)
            let response = try await send(
                .POST, nil, query: [(name: "delete", value: "")],
                headers: [("content-type", "application/xml"), Self.contentMD5(bytes)],
                body: bytes, action: .delete, displayKey: batch.first ?? ""
            )
            let failures = S3XML(response.body).blocks("Error").filter { $0.value("Code") != "NoSuchKey" }
            if let failure = failures.first {
                let code = failure.value("Code") ?? "unknown"
                throw S3Failure.fromServiceCode(code, status: 200, message: failure.value("Message"), action: .delete, key: failure.value("Key") ?? "", location: location)
            }
        }
    }

    // MARK: Requests

    /// What a request does, for error categories and messages.
    package enum Action: String, Sendable {
        case put, get, list, delete
    }

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    /// The bucket-relative key of `key`, after checking the key rule.
    func fullKey(_ key: String) throws -> String {
        guard ObjectKeyRule.isValid(key) else {
            throw StorageError(.invalidKey, "object key '\(key)' is not a plain relative path")
        }
        return settings.prefix.isEmpty ? key : "\(settings.prefix)/\(key)"
    }

    /// The checksum of an upload body: one SHA-256 gives both the signed payload hash and
    /// `x-amz-checksum-sha256` (its base64 is kept for CompleteMultipartUpload); with checksum
    /// headers off, `Content-MD5` is sent instead.
    func uploadChecksum(of body: [UInt8]) -> (header: (String, String), payloadHash: String, sha256Base64: String?) {
        let digest = SHA256.hash(data: body)
        guard settings.checksumHeaders else {
            return (Self.contentMD5(body), SigV4Signer.hex(digest), nil)
        }
        let base64 = Data(digest).base64EncodedString()
        return (("x-amz-checksum-sha256", base64), SigV4Signer.hex(digest), base64)
    }

    /// The `Content-MD5` header of `body`, the checksum every S3-compatible service accepts.
    static func contentMD5(_ body: [UInt8]) -> (String, String) {
        ("content-md5", Data(Insecure.MD5.hash(data: body)).base64EncodedString())
    }

    private var checksumModeHeader: [(String, String)] {
        settings.checksumHeaders ? [("x-amz-checksum-mode", "ENABLED")] : []
    }

    /// Checks a whole-object checksum the service returned, when it has one.
    private func checkIntegrity(of response: Response, key: String) throws {
        if let expected = response.headers.first(name: "content-length").flatMap(Int.init), expected != response.body.count {
            throw StorageError(.transferCorrupted, "object \(key) from \(location) arrived with \(response.body.count) of \(expected) bytes", hint: "The connection was cut; retry.", httpStatus: response.status)
        }
        // A multipart object's checksum is a checksum of checksums (`…-N`); only whole-object
        // ones can be compared with the bytes.
        if let checksum = response.headers.first(name: "x-amz-checksum-sha256"), !checksum.contains("-"),
            Data(SHA256.hash(data: response.body)).base64EncodedString() != checksum
        {
            throw StorageError(.transferCorrupted, "object \(key) from \(location) does not match its SHA-256 checksum", hint: "The object or the transfer is damaged; retry, then run 'tidemark backup verify --read-data'.", httpStatus: response.status)
        }
    }

    /// A signed request, ready to send.
    func signedRequest(
        _ method: HTTPMethod,
        _ objectKey: String?,
        query: [(name: String, value: String)] = [],
        headers extraHeaders: [(String, String)] = [],
        body: [UInt8]? = nil,
        payloadHash: String? = nil
    ) -> HTTPClientRequest {
        let target = endpoint.target(bucket: settings.bucket, key: objectKey, pathStyle: settings.pathStyle)
        let date = now()
        let contentHash = payloadHash ?? SigV4Signer.payloadHash(body ?? [])
        let headers: [(name: String, value: String)] = [
            ("host", target.hostHeader),
            ("x-amz-date", SigV4Signer.amzDate(date)),
            ("x-amz-content-sha256", contentHash),
        ] + extraHeaders.map { (name: $0.0, value: $0.1) }
        let signable = SigV4Signer.Request(method: method.rawValue, encodedPath: target.encodedPath, query: query, headers: headers, payloadHash: contentHash)
        let queryString = query.map { "\(SigV4Signer.encode($0.name))=\(SigV4Signer.encode($0.value))" }.joined(separator: "&")

        var request = HTTPClientRequest(url: target.baseURL + target.encodedPath + (queryString.isEmpty ? "" : "?" + queryString))
        request.method = method
        for header in headers {
            request.headers.add(name: header.name, value: header.value)
        }
        request.headers.add(name: "authorization", value: signer.authorization(for: signable, at: date))
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    /// Signs and sends one request; throws `StorageError` for every failure, with the action
    /// and key in the message.
    func send(
        _ method: HTTPMethod,
        _ objectKey: String?,
        query: [(name: String, value: String)] = [],
        headers extraHeaders: [(String, String)] = [],
        body: [UInt8]? = nil,
        payloadHash: String? = nil,
        action: Action,
        displayKey: String
    ) async throws -> Response {
        let request = signedRequest(method, objectKey, query: query, headers: extraHeaders, body: body, payloadHash: payloadHash)
        let started = ContinuousClock.now
        let response: HTTPClientResponse
        let bytes: [UInt8]
        do {
            response = try await http.client.execute(request, timeout: .minutes(15))
            let limit = method == .GET ? Int.max : 16 << 20
            bytes = Array(buffer: try await response.body.collect(upTo: limit))
        } catch {
            throw S3Failure.transport(error, action: action, key: displayKey, location: location)
        }
        let status = Int(response.status.code)
        logger.debug("s3 request", metadata: ["method": "\(method.rawValue)", "key": "\(displayKey)", "status": "\(status)", "bytes": "\(bytes.count)", "duration": "\(ContinuousClock.now - started)"])
        guard (200..<300).contains(status) else {
            throw S3Failure.response(status: status, body: bytes, action: action, key: displayKey, location: location)
        }
        return Response(status: status, headers: response.headers, body: bytes)
    }
}

extension S3ObjectStore {
    /// Creates the bucket (in `us-east-1` style, without a location constraint). Tidemark never
    /// creates buckets for users; tests and benchmarks use this against their own endpoint.
    package func createBucket() async throws {
        _ = try await send(.PUT, nil, action: .put, displayKey: settings.bucket)
    }
}
