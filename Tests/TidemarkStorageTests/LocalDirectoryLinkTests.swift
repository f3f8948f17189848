import Foundation
import Testing
import TidemarkCore
import TidemarkStorage
import TidemarkTesting

/// SPEC §7: local storage refuses paths outside its root, also through symbolic links, and its
/// listing agrees with its reads (issue 14, item 3).
@Suite struct LocalDirectoryLinkTests {
    private func withRootAndElsewhere(_ body: (LocalDirectoryObjectStore, String, String) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let root = "\(directory)/root"
            let elsewhere = "\(directory)/elsewhere"
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            let store = LocalDirectoryObjectStore(root: root)
            try store.prepare()
            try await body(store, root, elsewhere)
        }
    }

    @Test("a directory link that leaves the root is refused by put, get, size, delete and list alike")
    func linkOutOfRoot() async throws {
        try await withRootAndElsewhere { store, root, elsewhere in
            try FileManager.default.createSymbolicLink(atPath: "\(root)/data", withDestinationPath: elsewhere)
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: "\(elsewhere)/planted"))
            let calls: [(String, () async throws -> Void)] = [
                ("put", { try await store.put([1], at: "data/ab/pack") }),
                ("get", { _ = try await store.get("data/planted") }),
                ("size", { _ = try await store.size(of: "data/planted") }),
                ("delete", { try await store.delete("data/planted") }),
                ("list", { _ = try await store.list(prefix: "data/") }),
                ("list all", { _ = try await store.list(prefix: "") }),
            ]
            for (name, call) in calls {
                let error = await #expect(throws: StorageError.self, "\(name)") { try await call() }
                #expect(error?.code == "path-outside-root", "\(name): \(String(describing: error))")
                #expect(error?.message.contains("outside the storage directory") == true, "\(name)")
            }
            // Nothing was written through the link, and the planted file is untouched.
            #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere) == ["planted"])
        }
    }

    @Test("a file link to outside the root and a dangling link are refused; '..' keys are refused")
    func fileAndDanglingLinks() async throws {
        try await withRootAndElsewhere { store, root, elsewhere in
            try FileManager.default.createDirectory(atPath: "\(root)/snapshots", withIntermediateDirectories: true)
            try Data([7]).write(to: URL(fileURLWithPath: "\(elsewhere)/secret"))
            try FileManager.default.createSymbolicLink(atPath: "\(root)/snapshots/one", withDestinationPath: "\(elsewhere)/secret")
            try FileManager.default.createSymbolicLink(atPath: "\(root)/snapshots/two", withDestinationPath: "\(elsewhere)/missing")
            for key in ["snapshots/one", "snapshots/two"] {
                let error = await #expect(throws: StorageError.self) { _ = try await store.get(key) }
                #expect(error?.code == "path-outside-root")
            }
            await #expect(throws: StorageError.self) { _ = try await store.list(prefix: "snapshots/") }
            for key in ["../escape", "data/../../escape", "/etc/passwd", "data//x", "./config"] {
                let error = await #expect(throws: StorageError.self, "\(key)") { try await store.put([1], at: key) }
                #expect(error?.code == "path-outside-root", "\(key)")
            }
        }
    }

    @Test("links that stay inside the root are followed by reads and by listing alike")
    func linkInsideRoot() async throws {
        try await withRootAndElsewhere { store, root, _ in
            try await store.put([1, 2], at: "real/ab/object")
            try FileManager.default.createSymbolicLink(atPath: "\(root)/data", withDestinationPath: "\(root)/real")
            #expect(try await store.get("data/ab/object") == [1, 2])
            #expect(try await store.list(prefix: "data/").map(\.key) == ["data/ab/object"])
            // A loop of links ends the walk instead of recursing forever.
            try FileManager.default.createSymbolicLink(atPath: "\(root)/real/loop", withDestinationPath: "\(root)/real")
            #expect(try await store.list(prefix: "real/").map(\.key) == ["real/ab/object"])
        }
    }

    @Test("the root itself may be a link (a mount point elsewhere)")
    func rootIsLink() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: "\(directory)/target", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(directory)/root", withDestinationPath: "\(directory)/target")
            let store = LocalDirectoryObjectStore(root: "\(directory)/root")
            try await store.put([5], at: "data/ab/x")
            #expect(try await store.list(prefix: "data/").map(\.key) == ["data/ab/x"])
            #expect(try await store.get("data/ab/x") == [5])
        }
    }
}
