import TidemarkCore

/// Maps an error of one connection-test step to exactly one SPEC §4.4 category.
enum StorageFailureClassifier {
    static func classify(_ error: any Error, operation: String, store: any ObjectStore, probeKey: String) async -> ConnectionTestReport.Failure {
        guard let error = error as? StorageError else {
            return .init(category: "unexpected-response", message: "\(operation) failed: \(error)", hint: "This is unexpected; run with TIDEMARK_LOG_LEVEL=debug for details.")
        }
        func failure(_ category: String, hint: String? = nil) -> ConnectionTestReport.Failure {
            .init(category: category, message: error.message, hint: hint ?? error.hint ?? "", httpStatus: error.httpStatus, serviceCode: error.serviceCode)
        }
        switch error.kind {
        case .invalidCredentials:
            return failure("invalid-credentials", hint: "Check the access key id (--access-key-id) and the secret (TIDEMARK_S3_SECRET_ACCESS_KEY or stdin).")
        case .bucketNotFound:
            return failure("bucket-not-found", hint: "Create the bucket, or correct --bucket, --endpoint and --region.")
        case .endpointUnreachable:
            return failure("endpoint-unreachable")
        case .tlsError:
            return failure("tls-error")
        case .accessDenied where operation == "put":
            // Denied writes and denied listing under the prefix mean the credentials reach
            // nothing there: the policy's resource does not cover the path.
            if await listIsDenied(store, prefix: probeKey) {
                return failure("path-access-denied", hint: "The credentials may not use this prefix; make the policy's Resource cover arn:aws:s3:::BUCKET/PREFIX/* and allow s3:ListBucket for it.")
            }
            return failure("missing-permission(put)", hint: "Allow s3:PutObject on arn:aws:s3:::BUCKET/PREFIX/*.")
        case .accessDenied, .notWritable, .notReadable:
            let action = ["put": "s3:PutObject", "get": "s3:GetObject", "list": "s3:ListBucket", "delete": "s3:DeleteObject"][operation] ?? operation
            return failure("missing-permission(\(operation))", hint: "Allow \(action) for these credentials on the bucket and prefix (for a local directory: fix its permissions).")
        default:
            return failure("unexpected-response", hint: error.hint ?? "Check that the endpoint is an S3-compatible service.")
        }
    }

    private static func listIsDenied(_ store: any ObjectStore, prefix: String) async -> Bool {
        do {
            _ = try await store.list(prefix: prefix)
            return false
        } catch let error as StorageError {
            return error.kind == .accessDenied
        } catch {
            return false
        }
    }
}
