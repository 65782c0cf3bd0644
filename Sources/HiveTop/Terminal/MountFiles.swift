import CLinux
import Glibc
import HiveCore
import SystemPackage

/// The mount's files, read and written as any script would: the root
/// `status.json`, a session's `events` and `screen`, `control`, and `rmdir`.
/// Every failure carries the errno the call returned.
public struct MountFiles: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    func path(_ parts: String...) -> String { ([root] + parts).joined(separator: "/") }

    static func failure(_ path: String) -> HiveError {
        let e = errno
        return HiveError(Errno(rawValue: e), "\(path): \(String(cString: strerror(e)))")
    }

    /// The whole file.
    public static func read(_ path: String) throws(HiveError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buf, buf.count)
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw failure(path) }
            if n == 0 { return out }
            out += buf[0..<n]
        }
    }

    /// The last whole lines within the last `bytes` bytes of a file that grows.
    public static func tail(_ path: String, bytes: Int) throws(HiveError) -> [String] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path) }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { throw failure(path) }
        let start = max(0, Int(size) - bytes)
        var buf = [UInt8](repeating: 0, count: Int(size) - start)
        var got = 0
        while got < buf.count {
            let n = buf.withUnsafeMutableBytes { b -> Int in
                guard let base = b.baseAddress else { return 0 }
                return pread(fd, base + got, b.count - got, off_t(start + got))
            }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw failure(path) }
            if n == 0 { break }
            got += n
        }
        var text = String(decoding: buf[0..<got], as: UTF8.self)
        if start > 0, let nl = text.firstIndex(of: "\n") { text = String(text[text.index(after: nl)...]) }
        return text.split(separator: "\n").map(String.init)
    }

    /// Every session, from the root `status.json`.
    public func sessions() throws(HiveError) -> [SessionRow] {
        try SessionRow.parse(MountFiles.read(path("status.json")))
    }

    /// A session's last events (`TIME KIND DETAIL`).
    public func events(_ name: String) throws(HiveError) -> [String] {
        try MountFiles.tail(path(name, "events"), bytes: 16384)
    }

    /// A session's screen, line by line.
    public func screen(_ name: String) throws(HiveError) -> [String] {
        String(decoding: try MountFiles.read(path(name, "screen")), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The size of the root `events`: it grows with every event of every session.
    public func eventsSize() -> Int64? {
        var st = stat()
        guard hive_stat(path("events"), &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// Writes one line to a `control` file (the root's when `session` is nil).
    /// A refusal carries the errno and the reason `control` gives on its last line.
    public func control(_ session: String?, _ line: String) throws(HiveError) {
        let p = session.map { path($0, "control") } ?? path("control")
        try MountFiles.writeControl(p, line)
    }

    /// Writes a control line to `path`; see `control(_:_:)`.
    public static func writeControl(_ path: String, _ line: String) throws(HiveError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path) }
        defer { close(fd) }
        let bytes = Array((line.hasSuffix("\n") ? line : line + "\n").utf8)
        let n = bytes.withUnsafeBytes { b -> Int in
            guard let base = b.baseAddress else { return 0 }
            return write(fd, base, b.count)
        }
        guard n < 0 else { return }
        let e = errno
        // `control` ends with `error TIME ERRNO REASON`: the why of the last refusal.
        // It is this refusal's when it names this errno.
        let words = (try? read(path)).map { String(decoding: $0, as: UTF8.self) }?
            .split(separator: "\n").last(where: { $0.hasPrefix("error ") })?
            .split(separator: " ", maxSplits: 3).map(String.init) ?? []
        let errno = Errno(rawValue: e)
        let said = words.count == 4 && words[2] == ErrnoNames.name(of: errno) ? words[3] : nil
        throw HiveError(errno, said ?? String(cString: strerror(e)))
    }

    /// Moves an ended session to `history/`.
    public func remove(_ name: String) throws(HiveError) {
        let p = path(name)
        guard rmdir(p) == 0 else { throw MountFiles.failure(p) }
    }
}
