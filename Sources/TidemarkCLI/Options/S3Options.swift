import ArgumentParser
import Foundation
import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// The S3 flags of `storage add` and `storage update`. The secret never comes from argv.
struct S3Options: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("S3 endpoint, e.g. https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:9000.", valueName: "url"))
    var endpoint: String?
    @Option(name: .long, help: ArgumentHelp("Bucket name.", valueName: "bucket"))
    var bucket: String?
    @Option(name: .long, help: ArgumentHelp("Key prefix (folder) inside the bucket.", valueName: "prefix"))
    var prefix: String?
    @Option(name: .long, help: ArgumentHelp("Region used for signing (default us-east-1).", valueName: "region"))
    var region: String?
    @Flag(name: .long, help: "Address the bucket in the URL path (MinIO and most self-hosted services) instead of the host name.")
    var pathStyle = false
    @Option(name: .long, help: ArgumentHelp("Access key id. The secret comes from TIDEMARK_S3_SECRET_ACCESS_KEY or standard input.", valueName: "id"))
    var accessKeyId: String?
    @Flag(name: .long, help: "Send Content-MD5 instead of x-amz-checksum-sha256, for services that reject the newer checksum headers.")
    var noChecksumHeaders = false

    /// `/team//prod/` → `team/prod`: no empty segments, no leading or trailing slash.

    /// The settings, after checking the required flags are there.
    func settings() throws -> S3StorageSettings {
        guard let endpoint, !endpoint.isEmpty else { throw ValidationError("--s3 needs --endpoint URL.") }
        guard let bucket, bucket.count >= 3 else { throw ValidationError("--s3 needs --bucket NAME (at least 3 characters).") }
        guard let accessKeyId, !accessKeyId.isEmpty else { throw ValidationError("--s3 needs --access-key-id ID (the secret comes from TIDEMARK_S3_SECRET_ACCESS_KEY or stdin).") }
        return S3StorageSettings(
            endpoint: endpoint, bucket: bucket, prefix: S3StorageSettings.normalized(prefix: prefix ?? ""), region: region ?? "us-east-1",
            pathStyle: pathStyle, accessKeyID: accessKeyId, checksumHeaders: !noChecksumHeaders
        )
    }
}

/// Reads the S3 secret access key: `TIDEMARK_S3_SECRET_ACCESS_KEY`, else the first line of
/// standard input (piped, or typed at a hidden prompt on a terminal).
enum S3Secret {
    static func read(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Secret<String> {
        if let value = environment["TIDEMARK_S3_SECRET_ACCESS_KEY"], !value.isEmpty { return Secret(value) }
        if isatty(STDIN_FILENO) == 1 {
            if let pointer = getpass("S3 secret access key: ") {
                let value = String(cString: pointer)
                if !value.isEmpty { return Secret(value) }
            }
        } else if let line = Swift.readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty {
            return Secret(line)
        }
        throw TidemarkError(
            code: "s3-secret-missing",
            message: "no S3 secret access key was given",
            hint: "Set TIDEMARK_S3_SECRET_ACCESS_KEY or pipe the secret on standard input; it is never taken from the command line.",
            category: .invalidInput
        )
    }
}
