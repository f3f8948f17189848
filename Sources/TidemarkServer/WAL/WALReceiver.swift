import Foundation
package import Hummingbird
import Logging
package import TidemarkControl
import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// The request context of the WAL socket: WAL segments are 16 MiB by default and at most 1 GiB.
package struct WALRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    package var maxUploadSize: Int { 1 << 30 }
}

/// The Unix socket `serve` takes WAL on (`<home>/run/wal.sock`, docs/OPERATIONS.md "WAL
/// archiving"): `tidemark wal-push`, run by PostgreSQL as its `archive_command`, sends
/// `PUT /wal/<namespace>/<file name>?writtenAt=<ms>` with the file as body, and is answered
/// 201 (stored), 200 (already stored, same contents), 409 (`wal-conflict`), 404 (no database
/// archives into that namespace) or 503. Only the socket's owner and group (the PostgreSQL
/// servers' user) can connect: no token, and no passphrase leaves `serve`.
package func buildWALReceiver(controlPlane control: ControlPlane, socketPath: String) throws -> some ApplicationProtocol {
    let directory = (socketPath as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
    // A socket left by a serve that died would make the bind fail.
    try? FileManager.default.removeItem(atPath: socketPath)
    let serverGroup = getuid() == 0 ? getgrnam("postgres").map { $0.pointee.gr_gid } : nil
    if let serverGroup { chown(directory, 0, serverGroup) }

    let router = Router(context: WALRequestContext.self)
    // 200 when serve stored this very file ahead (same device, inode, size and mtime), else 404:
    // then wal-push sends it.
    router.get("/wal/:namespace/:name") { request, context -> Response in
        let query = request.uri.queryParameters
        guard let device = query.get("device", as: UInt64.self), let inode = query.get("inode", as: UInt64.self),
              let size = query.get("size", as: Int64.self), let modified = query.get("mtimeNs", as: Int64.self)
        else { return walResponse(.badRequest, "device, inode, size and mtimeNs are required") }
        let identity = WALFileIdentity(device: device, inode: inode, size: size, modifiedNanoseconds: modified)
        let stored = await control.walArchive.isStoredAhead(namespace: try context.parameters.require("namespace"), name: try context.parameters.require("name"), identity: identity)
        return stored ? walResponse(.ok, "already-stored") : walResponse(.notFound, "not stored ahead")
    }
    router.put("/wal/:namespace/:name") { request, context -> Response in
        let namespace = try context.parameters.require("namespace")
        let name = try context.parameters.require("name")
        let millis = request.uri.queryParameters.get("writtenAt", as: Int64.self) ?? Int64(Date().timeIntervalSince1970 * 1000)
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        do {
            let outcome = try await control.walArchive.push(
                namespace: namespace, name: name, contents: Array(buffer: body), writtenAt: Date(timeIntervalSince1970: Double(millis) / 1000)
            )
            return walResponse(outcome == .stored ? .created : .ok, outcome.rawValue)
        } catch {
            let info = ErrorInfo(error)
            control.logger.warning("wal-push of \(name) (namespace \(namespace)) failed: \(info.code): \(info.message)")
            let status: HTTPResponse.Status = switch (error as? any UserFacingError)?.category {
            case .conflict: .conflict
            case .notFound: .notFound
            case .invalidInput: .badRequest
            default: .serviceUnavailable
            }
            return walResponse(status, "\(info.code): \(info.message)")
        }
    }
    let logger = {
        var logger = control.logger
        logger[metadataKey: "component"] = "wal-socket"
        return logger
    }()
    return Application(
        router: router,
        configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socketPath), serverName: "tidemark-wal"),
        onServerRunning: { _ in
            chmod(socketPath, 0o660)
            if let serverGroup { chown(socketPath, 0, serverGroup) }
            logger.info("taking WAL from wal-push on \(socketPath)")
        },
        logger: logger
    )
}

private func walResponse(_ status: HTTPResponse.Status, _ text: String) -> Response {
    Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
}
