import CZstd
import Synchronization

/// Reusable zstd compression contexts for the chunk pipeline.
///
/// `ZSTD_compress` allocates and initialises a context (about a megabyte of tables at level
/// 1) on every call; a stream compresses a chunk per megabyte, so the writer keeps one context
/// per concurrent task and hands them out here. Contexts are freed with the pool.
package final class ZstdContexts: Sendable {
    private let idle = Mutex<[ZstdContext]>([])

    package init() {}

    /// Runs `body` with a context no other task uses meanwhile.
    func withContext<T>(_ body: (ZstdContext) throws -> T) rethrows -> T {
        let context = idle.withLock { $0.popLast() } ?? ZstdContext()
        defer { idle.withLock { $0.append(context) } }
        return try body(context)
    }
}

/// One zstd compression context.
// @unchecked: the pointer is used by one task at a time, which `ZstdContexts` guarantees by
// handing each context out to a single `withContext` call until it returns.
final class ZstdContext: @unchecked Sendable {
    let pointer: OpaquePointer?

    init() {
        pointer = ZSTD_createCCtx()
    }

    deinit { ZSTD_freeCCtx(pointer) }
}

extension Payload {
    /// Frames `bytes` like ``encode(_:level:)``, compressing with a pooled context straight
    /// into the framed buffer (no second copy of the compressed bytes, no zero-filled output).
    package static func encode(_ bytes: [UInt8], level: Int32, contexts: ZstdContexts) -> [UInt8] {
        let bound = ZSTD_compressBound(bytes.count)
        let framed = contexts.withContext { context -> [UInt8] in
            guard let cctx = context.pointer else { return [] }
            return [UInt8](unsafeUninitializedCapacity: bound + 1) { output, count in
                count = 0
                guard let destination = output.baseAddress else { return }
                let written = bytes.withUnsafeBytes { source in
                    ZSTD_compressCCtx(cctx, destination + 1, bound, source.baseAddress, source.count, level)
                }
                // Kept only when smaller than the input; the stored form is used otherwise.
                guard ZSTD_isError(written) == 0, written < bytes.count else { return }
                destination[0] = 1
                count = written + 1
            }
        }
        if !framed.isEmpty { return framed }
        var stored: [UInt8] = [0]
        stored.reserveCapacity(bytes.count + 1)
        stored.append(contentsOf: bytes)
        return stored
    }
}
