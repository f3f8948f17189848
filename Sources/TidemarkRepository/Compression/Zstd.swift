import CZstd

/// zstd compression of chunk payloads through the system libzstd.
package enum Zstd {
    /// Compresses `input` at `level`; nil when the result would not be smaller.
    package static func compress(_ input: [UInt8], level: Int32) -> [UInt8]? {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { destination in
                ZSTD_compress(destination.baseAddress, bound, source.baseAddress, source.count, level)
            }
        }
        guard ZSTD_isError(written) == 0, written < input.count else { return nil }
        output.removeLast(bound - written)
        return output
    }

    /// Decompresses one zstd frame whose header records the content size (as `compress` writes).
    /// - Throws: `RepositoryError` `object-corrupted` for anything that is not such a frame.
    package static func decompress(_ input: ArraySlice<UInt8>, limit: Int) throws -> [UInt8] {
        try input.withUnsafeBytes { source in
            let size = ZSTD_getFrameContentSize(source.baseAddress, source.count)
            guard size != ZSTD_CONTENTSIZE_ERROR, size != ZSTD_CONTENTSIZE_UNKNOWN, size <= UInt64(limit) else {
                throw RepositoryError(.objectCorrupted, "a compressed payload has an invalid zstd frame header")
            }
            var output = [UInt8](repeating: 0, count: Int(size))
            let written = output.withUnsafeMutableBytes { destination in
                ZSTD_decompress(destination.baseAddress, destination.count, source.baseAddress, source.count)
            }
            guard ZSTD_isError(written) == 0, written == Int(size) else {
                throw RepositoryError(.objectCorrupted, "a compressed payload does not decompress")
            }
            return output
        }
    }
}
