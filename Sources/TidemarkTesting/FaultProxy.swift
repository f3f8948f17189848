import Foundation
import Synchronization
import TidemarkCore

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP proxy that damages chosen connections, for fault tests against a real server
/// (restic's `truncatingBackend`, toxiproxy's toxics): delay, truncate or drop the response.
package final class FaultProxy: Sendable {
    /// What happens to one connection.
    package enum Behavior: Sendable {
        /// Forward both ways untouched.
        case pass
        /// Hold the response for this long before forwarding it (a stalled server).
        case delay(Duration)
        /// Let the request reach the server, then close the connection before any response
        /// byte reaches the client (the server did the work; the client cannot know).
        case dropResponse
        /// Forward this many response bytes, then close the connection.
        case truncateResponse(afterBytes: Int)
    }

    package let port: Int
    private let listener: Int32
    private let connections = Counter()

    /// How many connections have been accepted so far.
    package var connectionCount: Int { connections.value.withLock { $0 } }

    /// Starts a proxy to 127.0.0.1:`upstreamPort`; `behavior` is asked once per connection, with
    /// its 0-based number.
    package init(upstreamPort: Int, behavior: @escaping @Sendable (Int) -> Behavior) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard listener >= 0, bound, listen(listener, 64) == 0 else {
            throw TidemarkError(code: "fixture-failed", message: "cannot start the fault proxy", category: .internal)
        }
        self.listener = listener
        self.port = Int(UInt16(bigEndian: address.sin_port))
        let counter = connections
        let severed = severedFlag
        Thread {
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                let number = counter.value.withLock { value in
                    defer { value += 1 }
                    return value
                }
                let chosen = behavior(number)
                Thread { Self.serve(client: client, upstreamPort: upstreamPort, behavior: chosen, severed: severed) }.start()
            }
        }.start()
    }

    /// Stops accepting connections. Idempotent: closing the listener twice would close
    /// whatever descriptor reused its number meanwhile (a subprocess pipe, which then crashed
    /// swift-subprocess with "FileDescriptor … is already closed").
    package func stop() {
        guard stopped.withLock({ stopped in
            defer { stopped = true }
            return !stopped
        }) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private let stopped = Mutex(false)
    private let severedFlag = SeveredFlag()

    /// While severed, every connection (open ones included, at their next byte) is closed: a
    /// storage that went away mid-work, whatever connections the client keeps alive.
    package func sever(_ severed: Bool) {
        severedFlag.value.withLock { $0 = severed }
    }

    private final class SeveredFlag: Sendable {
        let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
    }

    deinit { stop() }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func serve(client: Int32, upstreamPort: Int, behavior: Behavior, severed: SeveredFlag) {
        defer { close(client) }
        guard !severed.isSet else { return }
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(upstream) }
        var address = loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var forwarded = 0
        var delayed = false
        var clientOpen = true
        while true {
            var fds = [pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
            if clientOpen { fds.append(pollfd(fd: client, events: Int16(POLLIN), revents: 0)) }
            guard poll(&fds, nfds_t(fds.count), 30_000) > 0, !severed.isSet else { return }
            if clientOpen, fds[1].revents != 0 {
                let count = read(client, &buffer, buffer.count)
                if count <= 0 {
                    clientOpen = false
                    shutdown(upstream, Int32(SHUT_WR))
                } else if !writeAll(upstream, buffer, count) {
                    return
                }
            }
            if fds[0].revents != 0 {
                let count = read(upstream, &buffer, buffer.count)
                guard count > 0 else { return }
                switch behavior {
                case .pass:
                    guard writeAll(client, buffer, count) else { return }
                case .delay(let duration):
                    if !delayed {
                        delayed = true
                        Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
                    }
                    guard writeAll(client, buffer, count) else { return }
                case .dropResponse:
                    return
                case .truncateResponse(let limit):
                    let allowed = min(count, limit - forwarded)
                    if allowed > 0 { _ = writeAll(client, buffer, allowed) }
                    forwarded += allowed
                    if forwarded >= limit { return }
                }
            }
        }
    }

    private static func writeAll(_ fd: Int32, _ buffer: [UInt8], _ count: Int) -> Bool {
        var done = 0
        while done < count {
            let written = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + done, count - done) }
            guard written > 0 else { return false }
            done += written
        }
        return true
    }
}

private final class Counter: Sendable {
    let value = Mutex(0)
}
