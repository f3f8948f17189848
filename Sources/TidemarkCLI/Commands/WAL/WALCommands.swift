import ArgumentParser
import Foundation
import TidemarkCore
import TidemarkStorage

/// `tidemark wal-push PATH --socket S --namespace N`: PostgreSQL's `archive_command` for
/// managed instances (Tidemark writes it; people rarely run it by hand).
///
/// It reads no catalog and holds no passphrase: it hands the file to `serve` over the socket
/// and exits 0 only once serve answered that the file is stored (or was already, with the
/// same contents). Any other answer, or no serve, is exit 1: PostgreSQL keeps the file and
/// tries again.
struct WALPushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wal-push",
        abstract: "Archive one WAL file through the running serve (PostgreSQL's archive_command).",
        discussion: "Exit 0: stored (or already stored with the same contents). Exit 1: not stored; PostgreSQL retries. A file whose name is archived with other contents is refused (wal-conflict), never overwritten."
    )
    @Argument(help: "The WAL file (PostgreSQL's %p).") var path: String
    @Option(name: .long, help: ArgumentHelp("serve's WAL socket (<home>/run/wal.sock).", valueName: "path")) var socket: String
    @Option(name: .long, help: ArgumentHelp("The instance's WAL namespace.", valueName: "id")) var namespace: String

    func run() async throws {
        let name = (path as NSString).lastPathComponent
        do {
            let answer = try await WALSocketClient.push(socket: socket, namespace: namespace, name: name, path: path)
            guard answer.isStored else {
                FileHandle.standardError.write(Data("tidemark wal-push: \(name) not archived (\(answer.status)): \(answer.text)\n".utf8))
                throw ExitCode(1)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("tidemark wal-push: \(name) not archived: \(ErrorInfo(error).message) (is 'tidemark serve' running for this home?)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `tidemark wal-fetch NAME DEST --spool DIR`: PostgreSQL's `restore_command` during a
/// point-in-time restore; the restore fetches WAL into the spool ahead of it (``WALSpool``).
struct WALFetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wal-fetch",
        abstract: "Hand one archived WAL file to a recovering server (PostgreSQL's restore_command during a point-in-time restore).",
        discussion: "Exit 0: copied. Exit 1: the archive has no such file (end of WAL). Exit 128: the restore could not fetch it; PostgreSQL aborts recovery instead of ending it early."
    )
    @Argument(help: "The file PostgreSQL wants (%f).") var name: String
    @Argument(help: "Where to put it (%p).") var destination: String
    @Option(name: .long, help: ArgumentHelp("The restore's spool directory.", valueName: "dir")) var spool: String
    @Option(name: .long, help: ArgumentHelp("Seconds to wait for a file the restore is still fetching.", valueName: "seconds")) var timeout: Double = 600

    func run() async throws {
        let outcome = await WALSpool(directory: spool).fetch(name, to: destination, timeout: timeout) { message in
            FileHandle.standardError.write(Data((message + "\n").utf8))
        }
        if outcome != .delivered { throw ExitCode(outcome.rawValue) }
    }
}
