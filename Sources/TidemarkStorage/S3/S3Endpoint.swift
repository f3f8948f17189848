import Foundation

/// The scheme, host and port of an S3 endpoint, and the URL of a bucket or object on it.
struct S3Endpoint: Sendable {
    let scheme: String
    let host: String
    let port: Int?

    /// Where one request goes.
    struct Target {
        /// `https://host:port`, without a path.
        let baseURL: String
        /// The path as sent and as signed: `/bucket/key` or `/key`, percent-encoded per segment.
        let encodedPath: String
        /// The `Host` header: the host, plus the port when it is not the scheme's default.
        let hostHeader: String
    }

    /// - Throws: `StorageError` `invalid-storage-settings`.
    init(_ endpoint: String) throws {
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else {
            throw StorageError(.invalidConfiguration, "the S3 endpoint '\(endpoint)' is not an http:// or https:// URL with a host", hint: "Pass --endpoint like https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:9000.")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil, components.user == nil else {
            throw StorageError(.invalidConfiguration, "the S3 endpoint '\(endpoint)' has a path, query or user part", hint: "Give only scheme, host and port; put the bucket in --bucket and the folder in --prefix.")
        }
        self.scheme = scheme
        // IPv6 literals are kept bare and bracketed again when a URL or Host header is built.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port
    }

    func target(bucket: String, key: String?, pathStyle: Bool) -> Target {
        let encodedKey = key.map { "/" + SigV4Signer.encode($0, keepingSlash: true) } ?? ""
        let host = pathStyle ? self.host : "\(bucket).\(self.host)"
        let isDefaultPort = port == nil || (scheme == "https" && port == 443) || (scheme == "http" && port == 80)
        let bracketed = host.contains(":") ? "[\(host)]" : host
        let authority = isDefaultPort ? bracketed : "\(bracketed):\(port ?? 0)"
        return Target(
            baseURL: "\(scheme)://\(authority)",
            encodedPath: pathStyle ? "/\(SigV4Signer.encode(bucket))\(encodedKey)" : (encodedKey.isEmpty ? "/" : encodedKey),
            hostHeader: authority
        )
    }
}
