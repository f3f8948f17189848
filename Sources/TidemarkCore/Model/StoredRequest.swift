/// An operation's request as the catalog stores it: a JSON object and the version of its
/// shape, so rows written by an older Tidemark stay readable.
///
/// Version 1 is a flat object of strings (`{"database": "shop", "trigger": "manual"}`), as
/// operations were stored before requests were typed; version 2 is the job's `Codable` request
/// as JSON. The control plane decodes both (`JobRequest.init(legacy:operation:)` reads version 1).
package struct StoredRequest: Sendable, Equatable {
    /// The shape of `json`: 1 legacy (flat strings), 2 typed.
    package var version: Int
    /// The request, a JSON object in UTF-8 text.
    package var json: String

    /// The version requests are written in.
    package static let currentVersion = 2
    /// No request (`{}`) in the current version.
    package static let empty = StoredRequest(version: currentVersion, json: "{}")

    package init(version: Int, json: String) {
        self.version = version
        self.json = json
    }
}
