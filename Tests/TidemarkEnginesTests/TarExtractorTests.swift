import Foundation
import Testing
import TidemarkCore
import TidemarkEngines
import TidemarkTesting

/// The in-process tar extraction of physical restores: what pg_basebackup writes lands byte for
/// byte; anything that could write outside the data directory is refused.
@Suite struct TarExtractorTests {
    func extract(_ archive: [UInt8], into root: String, piece: Int = 700) throws {
        var extractor = TarExtractor(root: root, owner: nil)
        var offset = 0
        while offset < archive.count {
            try extractor.consume(Array(archive[offset..<min(archive.count, offset + piece)]))
            offset += piece
        }
        try extractor.finish()
    }

    @Test("directories and files are written with their bytes and modes, however the stream is split")
    func writes() async throws {
        try await withTemporaryDirectory { root in
            let data = (0..<100_000).map { UInt8($0 % 251) }
            let archive = ustarArchive(
                [("base/", [], 1), ("base/5/", [], 1), ("base/5/16384", data, 1), ("PG_VERSION", Array("15\n".utf8), 1), ("empty", [], 1)],
                type: { $0.hasSuffix("/") ? UInt8(ascii: "5") : UInt8(ascii: "0") }
            )
            try extract(archive, into: root)
            #expect(FileManager.default.contents(atPath: "\(root)/base/5/16384").map([UInt8].init) == data)
            #expect(FileManager.default.contents(atPath: "\(root)/PG_VERSION") == Data("15\n".utf8))
            #expect(FileManager.default.fileExists(atPath: "\(root)/empty"))
        }
    }

    @Test("paths leaving the directory, symbolic links and a cut stream are refused")
    func refuses() async throws {
        for (path, type) in [("../evil", UInt8(ascii: "0")), ("/etc/evil", UInt8(ascii: "0")), ("base/../../evil", UInt8(ascii: "0")), ("pg_tblspc/16500", UInt8(ascii: "2"))] {
            try await withTemporaryDirectory { root in
                try FileManager.default.createDirectory(atPath: "\(root)/inner", withIntermediateDirectories: true)
                let archive = ustarArchive([(path, Array("x".utf8), 1)], type: { _ in type })
                #expect(throws: EngineError.self, "\(path)") { try extract(archive, into: "\(root)/inner") }
                #expect(!FileManager.default.fileExists(atPath: "\(root)/evil"))
            }
        }
        try await withTemporaryDirectory { root in
            let archive = ustarArchive([("f", [UInt8](repeating: 1, count: 5000), 1)])
            #expect(throws: EngineError.self) { try extract(Array(archive.prefix(3000)), into: root) }
        }
    }
}
