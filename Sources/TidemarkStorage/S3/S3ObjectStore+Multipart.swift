import Crypto
import Foundation
import NIOHTTP1
import Logging
import TidemarkCore

extension S3ObjectStore {
    /// S3's limits: at most 10,000 parts, each at least 5 MiB but the last.
    static let maxParts = 10_000
    static let minPartSize = 5 << 20

    /// The part size for an object of `size` bytes: the configured size, grown to the next MiB
    /// when the object would otherwise need more than 10,000 parts.
    package func effectivePartSize(forObjectOf size: Int) -> Int {
        var part = max(partSize, Self.minPartSize)
        if size > part * Self.maxParts {
            let needed = (size + Self.maxParts - 1) / Self.maxParts
            part = (needed + (1 << 20) - 1) / (1 << 20) * (1 << 20)
        }
        return part
    }

    /// Uploads `bytes` in parts; on any failure the upload is aborted so no parts linger.
    func multipartUpload(of bytes: [UInt8], at objectKey: String, displayKey: String) async throws {
        let part = effectivePartSize(forObjectOf: bytes.count)
        let count = (bytes.count + part - 1) / part
        try await multipartUpload(partCount: count, at: objectKey, displayKey: displayKey) { number in
            let start = (number - 1) * part
            return Array(bytes[start..<min(start + part, bytes.count)])
        }
    }

    /// Uploads `partCount` parts, asking `readPart` (1-based) for each, `partConcurrency` at a
    /// time so memory stays at about `partConcurrency × partSize`.
    func multipartUpload(partCount: Int, at objectKey: String, displayKey: String, readPart: @escaping @Sendable (Int) async throws -> [UInt8]) async throws {
        var createHeaders = [("content-type", "application/octet-stream")]
        if settings.checksumHeaders { createHeaders.append(("x-amz-checksum-algorithm", "SHA256")) }
        let created = try await send(.POST, objectKey, query: [(name: "uploads", value: "")], headers: createHeaders, action: .put, displayKey: displayKey)
        guard let uploadID = S3XML(created.body).value("UploadId"), !uploadID.isEmpty else {
            throw StorageError(.unexpectedResponse, "starting a multipart upload of \(displayKey) to \(location) returned no UploadId", httpStatus: created.status)
        }
        do {
            var etags = [UploadedPart](repeating: UploadedPart(etag: "", checksum: nil), count: partCount)
            try await withThrowingTaskGroup(of: (Int, UploadedPart).self) { group in
                var next = 1
                func addPart(_ number: Int) {
                    group.addTask {
                        let body = try await readPart(number)
                        let etag = try await partRetry.run("put part \(number) of \(displayKey)", logger: logger) {
                            try await uploadPart(body, number: number, uploadID: uploadID, objectKey: objectKey, displayKey: displayKey)
                        }
                        return (number, etag)
                    }
                }
                while next <= min(partConcurrency, partCount) {
                    addPart(next)
                    next += 1
                }
                while let (number, etag) = try await group.next() {
                    etags[number - 1] = etag
                    if next <= partCount {
                        addPart(next)
                        next += 1
                    }
                }
            }
            var document = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            for (index, part) in etags.enumerated() {
                let checksum = part.checksum.map { "<ChecksumSHA256>\($0)</ChecksumSHA256>" } ?? ""
                document += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(S3XML.escape(part.etag))</ETag>\(checksum)</Part>"
            }
            document += "</CompleteMultipartUpload>"
            let completed = try await send(.POST, objectKey, query: [(name: "uploadId", value: uploadID)], headers: [("content-type", "application/xml")], body: Array(document.utf8), action: .put, displayKey: displayKey)
            // CompleteMultipartUpload can fail after a 200 status, with an <Error> body.
            let result = S3XML(completed.body)
            if let code = result.blocks("Error").first?.value("Code") {
                throw S3Failure.fromServiceCode(code, status: completed.status, message: result.value("Message"), action: .put, key: displayKey, location: location)
            }
        } catch {
            await abortMultipartUpload(uploadID, objectKey: objectKey, displayKey: displayKey)
            throw error
        }
    }

    private func uploadPart(_ body: [UInt8], number: Int, uploadID: String, objectKey: String, displayKey: String) async throws -> UploadedPart {
        let checksum = uploadChecksum(of: body)
        let response = try await send(
            .PUT, objectKey, query: [(name: "partNumber", value: "\(number)"), (name: "uploadId", value: uploadID)],
            headers: [checksum.header], body: body, payloadHash: checksum.payloadHash, action: .put, displayKey: displayKey
        )
        guard let etag = response.headers.first(name: "etag") else {
            throw StorageError(.unexpectedResponse, "uploading part \(number) of \(displayKey) to \(location) returned no ETag", httpStatus: response.status)
        }
        return UploadedPart(etag: etag, checksum: checksum.sha256Base64)
    }

    /// Best effort: an abort that fails leaves parts the bucket's lifecycle rule must clean.
    private func abortMultipartUpload(_ uploadID: String, objectKey: String, displayKey: String) async {
        do {
            _ = try await send(.DELETE, objectKey, query: [(name: "uploadId", value: uploadID)], action: .delete, displayKey: displayKey)
        } catch {
            logger.warning("could not abort a failed multipart upload", metadata: ["key": "\(displayKey)", "uploadId": "\(uploadID)", "error": "\(error)"])
        }
    }
}

extension S3ObjectStore {
    /// Keys of multipart uploads started under the prefix and neither completed nor aborted.
    package func pendingMultipartUploads() async throws -> [String] {
        let rootPrefix = settings.prefix.isEmpty ? "" : settings.prefix + "/"
        let response = try await send(.GET, nil, query: [(name: "uploads", value: ""), (name: "prefix", value: rootPrefix)], action: .list, displayKey: "multipart uploads")
        return S3XML(response.body).blocks("Upload").compactMap { $0.value("Key") }
    }
}

/// What CompleteMultipartUpload needs of each part.
struct UploadedPart: Sendable {
    var etag: String
    var checksum: String?
}
