#if canImport(Glibc)
    import Glibc
#endif

/// Finds a free TCP port on 127.0.0.1.
package enum FreePort {
    /// Whether `port` can be bound on 127.0.0.1 right now.
    package static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 }
        }
    }

    /// A port that is free on 127.0.0.1 now, chosen at random from 20000–29999: outside Linux's
    /// ephemeral range (32768–60999), where outgoing connections take their source ports and
    /// could hold the port between this check and the server's bind (or while a managed
    /// instance is down). Port 0's choice when none of 100 tries is free.
    package static func loopback() throws -> Int {
        for _ in 0..<100 {
            let port = Int.random(in: 20_000..<30_000)
            if isFree(port) { return port }
        }
        return try kernelChosen()
    }

    private static func kernelChosen() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TidemarkError(code: "no-free-port", message: "cannot open a socket to find a free port", category: .internal) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TidemarkError(code: "no-free-port", message: "cannot bind a loopback port", category: .internal) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
