import Foundation

extension StorageSettings {
    /// The settings as stored: a local path made canonical (absolute, no `.`, `..`, doubled or
    /// trailing `/`), an S3 prefix without stray `/`, so that two spellings of one place
    /// compare equal and a stored path can never climb out of where it was pointed.
    /// - Throws: `TidemarkError` `invalid-storage-settings` for a relative local path.
    package func normalized() throws -> StorageSettings {
        switch self {
        case .local(let path):
            guard path.hasPrefix("/") else {
                throw TidemarkError(
                    code: "invalid-storage-settings",
                    message: "the local storage path '\(path)' is not absolute",
                    hint: "Give the directory as an absolute path, e.g. /srv/backups; a relative path would depend on where the command runs.",
                    category: .invalidInput
                )
            }
            var parts: [Substring] = []
            for part in path.split(separator: "/") where part != "." {
                if part == ".." {
                    if !parts.isEmpty { parts.removeLast() }
                } else {
                    parts.append(part)
                }
            }
            return .local(path: "/" + parts.joined(separator: "/"))
        case .s3(var s3):
            s3.prefix = S3StorageSettings.normalized(prefix: s3.prefix)
            return .s3(s3)
        }
    }

    /// Whether the two settings name the same place or one place inside the other, where
    /// retention and garbage collection of one storage would touch the other's objects.
    /// Both must be ``normalized()``.
    package func overlaps(_ other: StorageSettings) -> Bool {
        switch (self, other) {
        case (.local(let one), .local(let two)):
            return Self.isWithin(one, two, separator: "/") || Self.isWithin(two, one, separator: "/")
        case (.s3(let one), .s3(let two)):
            guard one.bucket == two.bucket, Self.service(one.endpoint) == Self.service(two.endpoint) else { return false }
            return Self.isWithin(one.prefix, two.prefix, separator: "/") || Self.isWithin(two.prefix, one.prefix, separator: "/")
        default:
            return false
        }
    }

    /// Whether `inner` is `outer` or lies below it, by whole path segments (`/a/bc` is not
    /// inside `/a/b`); the empty S3 prefix and `/` contain everything.
    private static func isWithin(_ inner: String, _ outer: String, separator: Character) -> Bool {
        let outerParts = outer.split(separator: separator)
        let innerParts = inner.split(separator: separator)
        return innerParts.count >= outerParts.count && Array(innerParts.prefix(outerParts.count)) == outerParts
    }

    /// An endpoint's scheme-less, lowercased host and port (the default port filled in), so
    /// `https://S3.example.com` and `https://s3.example.com:443/` name one service.
    private static func service(_ endpoint: String) -> String {
        guard let url = URL(string: endpoint), let host = url.host?.lowercased() else { return endpoint.lowercased() }
        let port = url.port ?? (url.scheme?.lowercased() == "http" ? 80 : 443)
        return "\(host):\(port)"
    }
}
