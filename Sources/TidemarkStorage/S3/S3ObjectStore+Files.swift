import AsyncHTTPClient
import Foundation
import NIOHTTP1
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

extension S3ObjectStore {
    /// Uploads the file at `path` to `key`, reading it part by part so memory stays at about
    /// `partConcurrency × partSize` whatever the file's size.
    package func upload(file path: String, to key: String) async throws {
        let objectKey = try fullKey(key)
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw StorageError(.notReadable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw StorageError(.notReadable, "cannot read the size of \(path): \(String(cString: strerror(errno)))")
        }
        let size = Int(info.st_size)
        if size <= multipartThreshold {
            try await put(try Self.read(descriptor, offset: 0, count: size, path: path), at: key)
            return
        }
        let part = effectivePartSize(forObjectOf: size)
        try await multipartUpload(partCount: (size + part - 1) / part, at: objectKey, displayKey: key) { number in
            let offset = (number - 1) * part
            return try Self.read(descriptor, offset: offset, count: min(part, size - offset), path: path)
        }
    }

    /// Downloads `key` into a new file at `path` as the bytes arrive, with one GET.
    /// - Returns: the number of bytes written.
    @discardableResult
    package func download(_ key: String, to path: String) async throws -> Int64 {
        let request = signedRequest(.GET, try fullKey(key))
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            throw StorageError(.notWritable, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var written: Int64 = 0
        let expected: Int64?
        do {
            let response = try await http.client.execute(request, timeout: .hours(24))
            let status = Int(response.status.code)
            guard (200..<300).contains(status) else {
                let body = Array(buffer: try await response.body.collect(upTo: 1 << 20))
                throw S3Failure.response(status: status, body: body, action: .get, key: key, location: location)
            }
            expected = response.headers.first(name: "content-length").flatMap(Int64.init)
            for try await buffer in response.body {
                try buffer.withUnsafeReadableBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let result = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                        guard result > 0 else {
                            throw StorageError(.notWritable, "writing \(path) failed: \(String(cString: strerror(errno)))")
                        }
                        offset += result
                    }
                }
                written += Int64(buffer.readableBytes)
            }
        } catch {
            throw S3Failure.transport(error, action: .get, key: key, location: location)
        }
        if let expected, expected != written {
            throw StorageError(.transferCorrupted, "object \(key) from \(location) arrived with \(written) of \(expected) bytes", hint: "The connection was cut; retry.")
        }
        return written
    }

    private static func read(_ descriptor: Int32, offset: Int, count: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + done, count - done, off_t(offset + done))
            }
            guard result > 0 else {
                throw StorageError(.notReadable, "reading \(path) failed: \(result == 0 ? "unexpected end of file" : String(cString: strerror(errno)))")
            }
            done += result
        }
        return bytes
    }
}
