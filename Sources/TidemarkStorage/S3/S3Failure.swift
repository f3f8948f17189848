/// Turns S3 error responses and transport failures into `StorageError`s with the kind the
/// retry wrapper and the connection test decide on.
enum S3Failure {
    /// An HTTP error response: the status and S3's `<Error><Code>` decide the kind.
    static func response(status: Int, body: [UInt8], action: S3ObjectStore.Action, key: String, location: String) -> StorageError {
        let xml = S3XML(body)
        let code = xml.value("Code")
        if let code {
            return fromServiceCode(code, status: status, message: xml.value("Message"), action: action, key: key, location: location)
        }
        // HEAD responses and some proxies carry no body: the status alone decides.
        switch status {
        case 404:
            return StorageError(.notFound, "object \(key) does not exist in \(location)", httpStatus: status)
        case 403:
            return StorageError(.accessDenied, "\(location) refused to \(action.rawValue) \(key) (HTTP 403)", hint: "Check the access key, its secret and the bucket policy.", httpStatus: status)
        case 408, 429, 500...599:
            return StorageError(.unavailable, "\(location) answered HTTP \(status) to \(action.rawValue) \(key)", hint: "The service is busy or failing; Tidemark retries with backoff. If it persists, check the service's status.", httpStatus: status)
        default:
            return StorageError(.unexpectedResponse, "\(location) answered HTTP \(status) to \(action.rawValue) \(key)", hint: "Check that the endpoint is an S3-compatible service and the settings are right.", underlying: String(xml.text.prefix(200)), httpStatus: status)
        }
    }

    /// An S3 error code, from an error response or a DeleteObjects result.
    static func fromServiceCode(_ code: String, status: Int, message: String?, action: S3ObjectStore.Action, key: String, location: String) -> StorageError {
        let detail = message.map { ": \($0)" } ?? ""
        switch code {
        case "NoSuchKey":
            return StorageError(.notFound, "object \(key) does not exist in \(location)", httpStatus: status, serviceCode: code)
        case "NoSuchBucket":
            return StorageError(.bucketNotFound, "the bucket of \(location) does not exist", hint: "Create the bucket, or correct --bucket (and --endpoint/--region).", httpStatus: status, serviceCode: code)
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "InvalidSecurity", "TokenRefreshRequired":
            return StorageError(.invalidCredentials, "\(location) rejected the credentials (\(code))", hint: "Check the access key id and the secret access key (TIDEMARK_S3_SECRET_ACCESS_KEY).", httpStatus: status, serviceCode: code)
        case "AccessDenied", "AllAccessDisabled", "AccountProblem":
            return StorageError(.accessDenied, "\(location) denied \(action.rawValue) of \(key) (\(code))", hint: "Allow s3:PutObject, s3:GetObject, s3:DeleteObject on the prefix and s3:ListBucket on the bucket.", httpStatus: status, serviceCode: code)
        case "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "IncompleteBody":
            return StorageError(.transferCorrupted, "\(location) received a damaged body for \(key) (\(code))", hint: "The bytes changed on the way; Tidemark retries.", httpStatus: status, serviceCode: code)
        case "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "OperationAborted":
            return StorageError(.unavailable, "\(location) could not \(action.rawValue) \(key) now (\(code))", hint: "The service is busy or failing; Tidemark retries with backoff.", httpStatus: status, serviceCode: code)
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
            return StorageError(.unexpectedResponse, "\(location) says the bucket is elsewhere (\(code))\(detail)", hint: "Set --region to the bucket's region, or --endpoint to its regional endpoint.", httpStatus: status, serviceCode: code)
        case "RequestTimeTooSkewed":
            return StorageError(.unexpectedResponse, "\(location) refused the request time (\(code))", hint: "Fix this machine's clock (NTP); S3 allows 15 minutes of skew.", httpStatus: status, serviceCode: code)
        default:
            if status == 429 || status >= 500 {
                return StorageError(.unavailable, "\(location) could not \(action.rawValue) \(key) now (\(code), HTTP \(status))", hint: "Tidemark retries with backoff.", httpStatus: status, serviceCode: code)
            }
            return StorageError(.unexpectedResponse, "\(location) answered \(code) (HTTP \(status)) to \(action.rawValue) \(key)\(detail)", hint: "Check the storage settings; the code is the service's own.", httpStatus: status, serviceCode: code)
        }
    }

    /// A failure before a whole response arrived.
    static func transport(_ error: any Error, action: S3ObjectStore.Action, key: String, location: String) -> StorageError {
        if let error = error as? StorageError { return error }
        if error is CancellationError { return StorageError(.unavailable, "\(action.rawValue) of \(key) in \(location) was cancelled") }
        let description = String(describing: error)
        switch HTTPTransportFailure(error) {
        case .tls:
            return StorageError(.tlsError, "the TLS handshake with \(location) failed", hint: "Check that the endpoint speaks HTTPS with a certificate this machine trusts (or use http:// for a plain endpoint).", underlying: description)
        case .unreachable:
            return StorageError(.endpointUnreachable, "cannot connect to \(location)", hint: "Check the endpoint URL and port, DNS, and that the service is running and reachable from this machine.", underlying: description)
        case .other:
            return StorageError(.unavailable, "the connection to \(location) failed during \(action.rawValue) of \(key)", hint: "A timeout or a dropped connection; Tidemark retries with backoff.", underlying: description)
        }
    }
}
