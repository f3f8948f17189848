import Crypto
import Foundation
import TidemarkCore

/// The values of the storage form, and the proof that a connection test passed for exactly
/// these values: an HMAC over them (and the session), so Save is refused on the server, not
/// only disabled in the page, when any field changed after the test.
struct StorageForm {
    var name = ""
    var kind = "local"
    var path = ""
    var endpoint = ""
    var bucket = ""
    var prefix = ""
    var region = "us-east-1"
    var pathStyle = false
    var accessKeyID = ""
    /// Empty when editing means "keep the stored key".
    var secretAccessKey = ""

    init() {}

    init(_ form: FormFields) {
        name = form["name"] ?? ""
        kind = form["kind"] == "s3" ? "s3" : "local"
        path = form["path"] ?? ""
        endpoint = form["endpoint"] ?? ""
        bucket = form["bucket"] ?? ""
        prefix = form["prefix"] ?? ""
        region = form["region"] ?? "us-east-1"
        pathStyle = form.isChecked("pathStyle")
        accessKeyID = form["accessKeyId"] ?? ""
        secretAccessKey = form.raw("secretAccessKey") ?? ""
    }

    init(_ record: StorageRecord) {
        name = record.name
        switch record.settings {
        case .local(let path):
            kind = "local"
            self.path = path
        case .s3(let settings):
            kind = "s3"
            endpoint = settings.endpoint
            bucket = settings.bucket
            prefix = settings.prefix
            region = settings.region
            pathStyle = settings.pathStyle
            accessKeyID = settings.accessKeyID
        }
    }

    /// The settings and secret these values describe.
    /// - Throws: `ControlError`-shaped `invalid-field` naming the missing field.
    func settings() throws -> (StorageSettings, Secret<String>?) {
        func required(_ value: String, _ label: String) throws -> String {
            guard !value.isEmpty else {
                throw TidemarkError(code: "invalid-field", message: "\(label) is required", hint: "Fill in \(label) and test the connection again.", category: .invalidInput)
            }
            return value
        }
        if kind == "local" {
            return (.local(path: try required(path, "the directory")), nil)
        }
        let settings = S3StorageSettings(
            endpoint: try required(endpoint, "the endpoint"), bucket: try required(bucket, "the bucket"),
            prefix: S3StorageSettings.normalized(prefix: prefix), region: region.isEmpty ? "us-east-1" : region,
            pathStyle: pathStyle, accessKeyID: try required(accessKeyID, "the access key ID")
        )
        return (.s3(settings), secretAccessKey.isEmpty ? nil : Secret(secretAccessKey))
    }

    /// HMAC-SHA256 of every value under the process's key and the session's id.
    func proof(key: SymmetricKey, session: String) -> String {
        let fields = [session, name, kind, path, endpoint, bucket, prefix, region, "\(pathStyle)", accessKeyID, secretAccessKey]
        let message = fields.map { "\($0.utf8.count):\($0)" }.joined()
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key))
    }

    /// The template's view of the values (never the secret key).
    func data(editing: Bool) -> [String: Any] {
        [
            "name": name, "isLocal": kind == "local", "isS3": kind == "s3", "path": path, "endpoint": endpoint,
            "bucket": bucket, "prefix": prefix, "region": region, "pathStyle": pathStyle, "accessKeyId": accessKeyID,
            "editing": editing,
        ]
    }
}
