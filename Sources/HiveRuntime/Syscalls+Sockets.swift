import Foundation
import SystemPackage
import CLinux

/// Unix-domain sockets, for the link (`hivefs serve --stdio` reaches the daemon
/// through one in its state directory). Part of the one syscall layer, `Sys`.
extension Sys {
    /// The longest path a socket address holds.
    public static let maxSocketPath = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Listens on a new socket at `path` (a stale one left there is replaced),
    /// which only its owner may reach (mode 0600, set before it listens).
    public static func listenUnix(_ path: String, backlog: Int32 = 16) throws(Errno) -> FileDescriptor {
        guard path.utf8.count <= maxSocketPath else { throw Errno.fileNameTooLong }
        let fd = try check { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do throws(Errno) {
            unlink(path)
            var addr = address(path)
            try check { withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } } }
            // Owner only, before anyone may connect (the peer's uid is checked too).
            try check { chmod(path, 0o600) }
            try check { listen(fd, backlog) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Connects to the socket at `path`.
    public static func connectUnix(_ path: String) throws(Errno) -> FileDescriptor {
        guard path.utf8.count <= maxSocketPath else { throw Errno.fileNameTooLong }
        let fd = try check { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var addr = address(path)
        do throws(Errno) {
            try check { withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } } }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Takes the next connection; the uid of the process at its other end comes with it.
    public static func accept(_ listening: FileDescriptor) throws(Errno) -> (FileDescriptor, uid: uid_t) {
        let fd = try check { hive_accept_cloexec(listening.rawValue) }
        var uid: uid_t = 0
        guard hive_peer_uid(fd, &uid) == 0 else {
            let e = Errno(rawValue: Glibc.errno)
            Glibc.close(fd)
            throw e
        }
        return (FileDescriptor(rawValue: fd), uid)
    }

    /// Reads what is there, at most `count` bytes; empty at the end.
    public static func readSome(_ fd: FileDescriptor, count: Int = 1 << 16) throws(Errno) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: count)
        let n = try system { try buf.withUnsafeMutableBytes { try fd.read(into: $0) } }
        return Array(buf[0..<n])
    }

    private static func address(_ path: String) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        return addr
    }
}
