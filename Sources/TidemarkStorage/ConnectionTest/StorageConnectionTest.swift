import Foundation
package import TidemarkCore

/// The storage connection test of SPEC §4.4: PUT, GET (content compared), LIST and DELETE of a
/// temporary object under the storage's prefix, cleaned up afterwards.
///
/// Run it on the bare store, not through `RetryingObjectStore`: a wrong port must fail in
/// seconds, and a denied action is not transient.
package enum StorageConnectionTest {
    /// Tests `store`. Never throws: every failure becomes the report's one category.
    package static func run(on store: any ObjectStore, clock: ContinuousClock = ContinuousClock()) async -> ConnectionTestReport {
        let key = "tidemark-connection-test-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let content = (0..<1024).map { _ in UInt8.random(in: 0...255) }
        var steps: [ConnectionTestReport.Step] = []
        var failure: ConnectionTestReport.Failure?
        var written = false

        func step(_ operation: String, _ body: () async throws -> String) async {
            guard failure == nil else {
                steps.append(.init(operation: operation, result: "skipped", detail: "not tried after the failure above"))
                return
            }
            let started = clock.now
            do {
                let detail = try await body()
                steps.append(.init(operation: operation, result: "passed", detail: detail, milliseconds: milliseconds(clock.now - started)))
            } catch let error as StorageConnectionProblem {
                failure = error.failure
                steps.append(.init(operation: operation, result: "failed", detail: error.failure.message, milliseconds: milliseconds(clock.now - started)))
            } catch {
                let classified = await StorageFailureClassifier.classify(error, operation: operation, store: store, probeKey: key)
                failure = classified
                steps.append(.init(operation: operation, result: "failed", detail: classified.message, milliseconds: milliseconds(clock.now - started)))
            }
        }

        await step("put") {
            try await store.put(content, at: key)
            written = true
            return "wrote \(content.count) bytes to \(key)"
        }
        await step("get") {
            let read = try await store.get(key)
            guard read == content else {
                throw StorageConnectionProblem(failure: .init(
                    category: "unexpected-response",
                    message: "reading \(key) back returned \(read.count) bytes that differ from the \(content.count) written",
                    hint: "The service does not return what was stored; check the endpoint is a real S3-compatible service and no proxy rewrites bodies."
                ))
            }
            return "read \(read.count) bytes back, identical"
        }
        await step("list") {
            let listed = try await store.list(prefix: key)
            guard listed.contains(where: { $0.key == key }) else {
                throw StorageConnectionProblem(failure: .init(
                    category: "unexpected-response",
                    message: "listing the prefix does not show \(key), which was just written",
                    hint: "Check --prefix and that the service supports ListObjectsV2."
                ))
            }
            return "listed \(key)"
        }
        await step("delete") {
            try await store.delete(key)
            written = false
            guard try await store.size(of: key) == nil else {
                throw StorageConnectionProblem(failure: .init(
                    category: "unexpected-response",
                    message: "\(key) is still there after DELETE succeeded",
                    hint: "Check that the bucket does not use object lock or legal holds on this prefix."
                ))
            }
            return "deleted \(key)"
        }
        if written {
            // An earlier step failed after the PUT: remove the test object if we are allowed to.
            try? await store.delete(key)
        }
        return ConnectionTestReport(location: store.location, steps: steps, failure: failure)
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// A failure the test found by comparing results, already categorized.
struct StorageConnectionProblem: Error {
    var failure: ConnectionTestReport.Failure
}
