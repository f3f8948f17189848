import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

/// `POST /storages`: a local directory or an S3 bucket. The secret access key is accepted
/// here (the API is the channel) and never returned.
struct StorageCreateBody: StrictBody {
    struct Local: Decodable { var path: String }
    struct S3: Decodable {
        var endpoint: String
        var bucket: String
        var prefix: String?
        var region: String?
        var pathStyle: Bool?
        var accessKeyId: String
        var secretAccessKey: String
        var checksumHeaders: Bool?
    }
    var name: String
    var local: Local?
    var s3: S3?

    static let fields: Set<String> = ["name", "local", "s3"]
    static let nestedFields: [String: Set<String>] = [
        "local": ["path"],
        "s3": ["endpoint", "bucket", "prefix", "region", "pathStyle", "accessKeyId", "secretAccessKey", "checksumHeaders"],
    ]

    func settings() throws -> (StorageSettings, Secret<String>?) {
        switch (local, s3) {
        case (let local?, nil):
            return (.local(path: local.path), nil)
        case (nil, let s3?):
            let prefix = S3StorageSettings.normalized(prefix: s3.prefix ?? "")
            let settings = S3StorageSettings(
                endpoint: s3.endpoint, bucket: s3.bucket, prefix: prefix, region: s3.region ?? "us-east-1",
                pathStyle: s3.pathStyle ?? false, accessKeyID: s3.accessKeyId, checksumHeaders: s3.checksumHeaders ?? true
            )
            return (.s3(settings), Secret(s3.secretAccessKey))
        default:
            throw APIError.badRequest("invalid-field", "give exactly one of 'local' and 's3'")
        }
    }
}

extension RouteTable {
    mutating func addStorageRoutes(_ control: ControlPlane) {
        add(.get, "/storages", summary: "List storages", role: .viewer, response: "StorageList") { _, _ in
            try APIJSON.response(try await control.storages.list().map(StorageRepresentation.init))
        }
        add(.post, "/storages", summary: "Register a storage (connection test first, repository initialised)", role: .admin, body: "StorageCreate", response: "Storage", status: .created) { request, context in
            let body = try await request.decodeStrict(StorageCreateBody.self, context: context)
            let (settings, secret) = try body.settings()
            let storage = try await control.storages.add(name: body.name, settings: settings, secret: secret)
            return try APIJSON.response(StorageRepresentation(storage), status: .created)
        }
        add(.get, "/storages/{name}", summary: "Show a storage", role: .viewer, response: "Storage") { _, context in
            try APIJSON.response(StorageRepresentation(try await control.storages.get(named: try context.parameters.require("name"))))
        }
        add(.delete, "/storages/{name}", summary: "Remove a storage that no backup or plan uses", role: .admin, response: nil, status: .noContent) { _, context in
            try await control.storages.remove(named: try context.parameters.require("name"))
            return Response(status: .noContent)
        }
        add(.post, "/storages/{name}/test", summary: "Run the storage connection test", role: .admin, response: "ConnectionTestReport") { _, context in
            try APIJSON.response(try await control.storages.test(named: try context.parameters.require("name")))
        }
    }
}
