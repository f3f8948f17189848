package import TidemarkCore

/// Errors of object stores, one category per thing a user can do about it.
package struct StorageError: UserFacingError {
    package enum Code: String, Sendable {
        case notFound = "object-not-found"
        case notWritable = "storage-not-writable"
        case notReadable = "storage-not-readable"
        case diskFull = "storage-full"
        case invalidKey = "invalid-object-key"
        case pathOutsideRoot = "path-outside-root"
        case directoryMissing = "storage-directory-missing"
        case ioError = "storage-io-error"
        /// The endpoint answered 5xx/429, timed out or dropped the connection.
        case unavailable = "storage-unavailable"
        /// No connection could be made: refused, no route, name not resolved.
        case endpointUnreachable = "endpoint-unreachable"
        /// The TLS handshake failed (untrusted certificate, wrong host name, not TLS).
        case tlsError = "tls-error"
        /// The access key is unknown or the secret does not match it.
        case invalidCredentials = "invalid-credentials"
        /// The credentials are valid but not allowed this action on this key.
        case accessDenied = "access-denied"
        case bucketNotFound = "bucket-not-found"
        /// The bytes did not arrive intact (checksum mismatch, short body).
        case transferCorrupted = "transfer-corrupted"
        /// The endpoint answered something an S3 service does not answer.
        case unexpectedResponse = "unexpected-response"
        case invalidConfiguration = "invalid-storage-settings"
    }

    package var kind: Code
    package var message: String
    /// The hint given where the error was made, if any.
    package var specificHint: String?
    package var underlying: String?
    /// The HTTP status of the response that caused the error, for S3.
    package var httpStatus: Int?
    /// The service's own error code (`AccessDenied`, `NoSuchBucket`), for S3.
    package var serviceCode: String?

    package init(_ kind: Code, _ message: String, hint: String? = nil, underlying: String? = nil, httpStatus: Int? = nil, serviceCode: String? = nil) {
        self.kind = kind
        self.message = message
        self.specificHint = hint
        self.underlying = underlying
        self.httpStatus = httpStatus
        self.serviceCode = serviceCode
    }

    package var code: String { kind.rawValue }

    /// The specific hint, else the category's, so no error reaches a person without one.
    package var hint: String? { specificHint ?? category.defaultHint }

    package var category: ErrorCategory {
        switch kind {
        case .notFound, .directoryMissing, .bucketNotFound: .notFound
        case .notWritable, .notReadable, .diskFull, .ioError, .unexpectedResponse: .storage
        case .invalidKey, .pathOutsideRoot, .invalidConfiguration: .invalidInput
        case .unavailable, .endpointUnreachable, .tlsError: .unavailable
        case .invalidCredentials, .accessDenied: .authentication
        case .transferCorrupted: .integrity
        }
    }

    /// Transient failures a retry may cure. A TLS failure or a refusal will not change by itself.
    package var isRetryable: Bool {
        switch kind {
        case .ioError, .unavailable, .endpointUnreachable, .transferCorrupted: true
        default: false
        }
    }
}
