/// The content of an `index/<id>` object: which blobs each pack holds.
package struct IndexObject: Sendable, Codable {
    package struct PackEntry: Sendable, Codable {
        package var id: String
        package var blobs: [PackedBlob]

        package init(id: String, blobs: [PackedBlob]) {
            self.id = id
            self.blobs = blobs
        }
    }

    package var version: Int
    package var packs: [PackEntry]

    package init(packs: [PackEntry]) {
        self.version = 1
        self.packs = packs
    }
}
