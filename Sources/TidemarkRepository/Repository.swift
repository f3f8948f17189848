import Crypto
package import Foundation
package import TidemarkCore

/// An opened Tidemark repository on one object store (SPEC §6, docs/FORMAT.md).
///
/// `Repository` reads and writes the format's objects; backup and restore pipelines are in
/// `Repository+Streams.swift`, verification and garbage collection in their own files.
package struct Repository: Sendable {
    package let store: any ObjectStore
    package let config: RepositoryConfig
    package let master: MasterKey
    let sealer: Sealer
    /// The current time; injected so that lock staleness can be tested.
    package let now: @Sendable () -> Date

    init(store: any ObjectStore, config: RepositoryConfig, master: MasterKey, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.config = config
        self.master = master
        self.sealer = Sealer(key: master.encryptionKey)
        self.now = now
    }

    /// Creates a new repository in `store`: the config object and one key object.
    /// - Parameter sharingChunkingWith: a repository whose id key, chunker parameters and file
    ///   block size the new one takes (with its own encryption key), so backups copied from it
    ///   move as sealed chunks without being cut again (`storage add --copy-of`).
    /// - Throws: `RepositoryError` `repository-exists` when `store` already holds a config.
    package static func initialize(
        in store: any ObjectStore,
        passphrase: Secret<String>,
        kdf: KDFParameters = .standard,
        sharingChunkingWith source: Repository? = nil,
        now: @escaping @Sendable () -> Date
    ) async throws -> Repository {
        if try await store.size(of: RepositoryLayout.config) != nil {
            throw RepositoryError(
                .alreadyInitialized,
                "\(store.location) already holds a Tidemark repository",
                hint: "Use that repository with its passphrase, or choose an empty directory or prefix."
            )
        }
        var master = MasterKey.generate()
        var config = RepositoryConfig(id: Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255) }), createdAt: now(), kdf: kdf)
        if let source {
            master = MasterKey(encryptionKey: master.encryptionKey, idKey: source.master.idKey)
            config.chunker = source.config.chunker
            config.fileBlockSize = source.config.fileBlockSize
        }
        let key = try KeyObject.seal(master, passphrase: passphrase, kdf: kdf, now: now())
        let keyBytes = try JSONCoding.encode(key)
        try await store.put(keyBytes, at: RepositoryLayout.keyKey(Hex.encode(SHA256.hash(data: keyBytes))))
        // The config goes last: a crash before it leaves a directory that is not yet a repository.
        try await store.put(try JSONCoding.encode(config), at: RepositoryLayout.config)
        return Repository(store: store, config: config, master: master, now: now)
    }

    /// Opens the repository in `store` with `passphrase`.
    /// - Parameter unlocked: keys this process already unlocked; the key found is added, so
    ///   the next open of this repository with this passphrase skips scrypt.
    /// - Throws: `RepositoryError` `not-a-repository`, `unsupported-repository-version` or `wrong-passphrase`.
    package static func open(
        _ store: any ObjectStore,
        passphrase: Secret<String>,
        unlocked: UnlockedKeys? = nil,
        now: @escaping @Sendable () -> Date
    ) async throws -> Repository {
        let configBytes: [UInt8]
        do {
            configBytes = try await store.get(RepositoryLayout.config)
        } catch let error as any UserFacingError where error.category == .notFound {
            throw RepositoryError(
                .notARepository,
                "\(store.location) holds no Tidemark repository (no config object)",
                hint: "Register the storage with 'tidemark storage add', which initializes the repository."
            )
        }
        let config = try JSONCoding.decode(RepositoryConfig.self, from: configBytes, what: "config")
        guard config.version == RepositoryConfig.currentVersion else {
            throw RepositoryError(
                .unsupportedVersion,
                "repository format version \(config.version) is not supported (this Tidemark reads version \(RepositoryConfig.currentVersion))",
                hint: "Use a Tidemark release that supports this format version."
            )
        }
        if let master = unlocked?.key(repository: config.id, passphrase: passphrase) {
            return Repository(store: store, config: config, master: master, now: now)
        }
        for info in try await store.list(prefix: RepositoryLayout.keysPrefix) {
            let key = try JSONCoding.decode(KeyObject.self, from: try await store.get(info.key), what: info.key)
            if let master = try await onOwnThread({ try key.unseal(passphrase: passphrase) }) {
                unlocked?.remember(master, repository: config.id, passphrase: passphrase)
                return Repository(store: store, config: config, master: master, now: now)
            }
        }
        throw RepositoryError(
            .wrongPassphrase,
            "the passphrase does not open the repository in \(store.location)",
            hint: "Set TIDEMARK_PASSPHRASE to the passphrase the repository was created with."
        )
    }

    // MARK: Sealed metadata objects

    /// Frames, compresses and seals `value` as JSON.
    func sealJSON(_ value: some Encodable, label: [UInt8]) throws -> [UInt8] {
        try sealer.seal(Payload.encode(try JSONCoding.encode(value), level: config.compression.level), associatedData: label)
    }

    /// Reads and opens a sealed JSON object.
    func openJSON<T: Decodable>(_ type: T.Type, key: String, label: [UInt8]) async throws -> T {
        let sealed = try await getObject(key)
        let plain = try Payload.decode(try sealer.open(sealed, associatedData: label, what: key))
        return try JSONCoding.decode(type, from: plain, what: key)
    }

    /// Gets an object, turning not-found into `object-missing` naming the key.
    func getObject(_ key: String) async throws -> [UInt8] {
        do {
            return try await store.get(key)
        } catch let error as any UserFacingError where error.category == .notFound {
            throw RepositoryError(.objectMissing, "object \(key) is missing from \(store.location)")
        }
    }

    // MARK: Index

    /// Loads every index object into memory.
    package func loadIndex() async throws -> ChunkIndex {
        var index = ChunkIndex()
        for info in try await store.list(prefix: RepositoryLayout.indexPrefix) {
            let object = try await openJSON(IndexObject.self, key: info.key, label: SealLabel.index)
            for pack in object.packs {
                index.add(pack: pack.id, blobs: pack.blobs)
            }
        }
        return index
    }

    /// Writes an index object for `packs`; returns its key.
    @discardableResult
    func writeIndex(_ packs: [IndexObject.PackEntry]) async throws -> String {
        let sealed = try sealJSON(IndexObject(packs: packs), label: SealLabel.index)
        let key = RepositoryLayout.indexKey(Hex.encode(SHA256.hash(data: sealed)))
        try await store.put(sealed, at: key)
        return key
    }

    // MARK: Manifests

    /// Writes a backup's manifest: the last step of a backup.
    package func saveManifest(_ manifest: BackupManifest) async throws {
        try await store.put(try sealJSON(manifest, label: SealLabel.manifest), at: RepositoryLayout.snapshotKey(manifest.id))
    }

    /// Reads the manifest of backup `id`.
    /// - Throws: `RepositoryError` `manifest-not-found` when the repository has no such backup.
    package func manifest(id: String) async throws -> BackupManifest {
        do {
            return try await openJSON(BackupManifest.self, key: RepositoryLayout.snapshotKey(id), label: SealLabel.manifest)
        } catch let error as RepositoryError where error.kind == .objectMissing {
            throw RepositoryError(
                .manifestNotFound,
                "backup \(id) has no manifest in \(store.location)",
                hint: "The backup never completed or was purged; run 'tidemark backup list' for restorable backups."
            )
        }
    }

    /// Ids of every backup whose manifest is in the repository.
    package func manifestIDs() async throws -> [String] {
        try await store.list(prefix: RepositoryLayout.snapshotsPrefix).map { String($0.key.dropFirst(RepositoryLayout.snapshotsPrefix.count)) }
    }

    /// Removes backup `id`'s manifest and its restore test; its data goes at the next garbage
    /// collection.
    package func deleteManifest(id: String) async throws {
        try await store.delete(RepositoryLayout.snapshotKey(id))
        try await store.delete(RepositoryLayout.testKey(id))
    }

    // MARK: Restore tests

    /// Writes `result` as the last restore test of its backup (replacing an earlier one).
    package func saveRestoreTest(_ result: RestoreTestResult) async throws {
        try await store.put(try sealJSON(result, label: SealLabel.restoreTest), at: RepositoryLayout.testKey(result.backupID))
    }

    /// The last restore test of backup `id`; nil when it was never tested.
    package func restoreTest(backupID id: String) async throws -> RestoreTestResult? {
        do {
            return try await openJSON(RestoreTestResult.self, key: RepositoryLayout.testKey(id), label: SealLabel.restoreTest)
        } catch let error as RepositoryError where error.kind == .objectMissing {
            return nil
        }
    }

    // MARK: Blobs

    /// Reads, authenticates and decompresses one chunk.
    /// Reads consecutive blobs of one pack with one ranged read (``StreamReader``), then opens
    /// and decompresses each.
    /// - Parameter locations: adjacent blobs of one pack, in order (at least one).
    func readChunks(_ ids: [ChunkID], at locations: [BlobLocation]) async throws -> [[UInt8]] {
        try zip(try await readFramedChunks(ids, at: locations), locations).map { framed, location in
            try Payload.decode(framed, limit: Int(location.rawLength))
        }
    }

    /// The framed payloads (flag byte, then the stored bytes, compressed or not) of adjacent
    /// blobs of one pack, authenticated: what a repository sharing chunk ids seals again.
    func readFramedChunks(_ ids: [ChunkID], at locations: [BlobLocation]) async throws -> [[UInt8]] {
        guard let first = locations.first, let last = locations.last, ids.count == locations.count else { return [] }
        let key = RepositoryLayout.packKey(first.pack)
        let bytes: [UInt8]
        do {
            bytes = try await store.get(key, range: first.offset..<(last.offset + last.length))
        } catch let error as any UserFacingError where error.category == .notFound {
            throw RepositoryError(.objectMissing, "pack \(key) holding chunk \(ids[0].hex.prefix(16)) is missing")
        }
        guard bytes.count == Int(last.offset + last.length - first.offset) else {
            throw RepositoryError(.objectCorrupted, "pack \(key) is shorter than its index says")
        }
        return try zip(ids, locations).map { id, location in
            let start = Int(location.offset - first.offset)
            return try sealer.open(bytes[start..<(start + Int(location.length))], associatedData: id.bytes, what: "chunk \(id.hex.prefix(16)) in \(key)")
        }
    }

    /// The plaintext of chunk `id`, stored at `location`.
    package func readChunk(_ id: ChunkID, at location: BlobLocation) async throws -> [UInt8] {
        try await readChunks([id], at: [location])[0]
    }
}

/// The JSON settings of every format object: sorted keys, ISO 8601 dates.
package enum JSONCoding {
    package static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(value))
    }

    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch let error as RepositoryError {
            throw error
        } catch {
            throw RepositoryError(.objectCorrupted, "\(what) is not valid JSON of the expected shape", underlying: "\(error)")
        }
    }
}
