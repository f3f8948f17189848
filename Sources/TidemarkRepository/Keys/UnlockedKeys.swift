import Crypto
import Foundation
import TidemarkCore
import Synchronization

/// Master keys this process has unlocked, so a repository costs one scrypt derivation per
/// process, not one per operation (`serve` opens a repository for every backup, restore and
/// retention run). In memory only, never written anywhere; keyed by the repository id and a
/// SHA-256 of the passphrase, so another passphrase never reuses an entry.
package final class UnlockedKeys: Sendable {
    private let keys = Mutex<[String: MasterKey]>([:])

    package init() {}

    func key(repository id: String, passphrase: Secret<String>) -> MasterKey? {
        keys.withLock { $0[Self.entry(id, passphrase)] }
    }

    func remember(_ master: MasterKey, repository id: String, passphrase: Secret<String>) {
        keys.withLock { $0[Self.entry(id, passphrase)] = master }
    }

    private static func entry(_ id: String, _ passphrase: Secret<String>) -> String {
        id + ":" + SHA256.hash(data: Array(passphrase.revealed.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Runs CPU-bound blocking work (scrypt: a fraction of a second of CPU and 64 MiB) on a thread of
/// its own, so it never holds one of Swift's few cooperative threads — on 2 cores, one of two.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}
