import Foundation
import SystemPackage
import HiveCore
import CLinux

/// Every system call the runtime makes outside swift-system goes through here,
/// so errno handling lives in one place and callers see `Errno` or `HiveError`.
public enum Sys {
    /// Retries on EINTR, turns -1 into the thrown errno.
    @discardableResult
    static func check(_ body: () -> Int32) throws(Errno) -> Int32 {
        while true {
            let rc = body()
            if rc != -1 { return rc }
            let e = Errno(rawValue: Glibc.errno)
            if e == .interrupted { continue }
            throw e
        }
    }

    /// Runs a swift-system call, whose errors are `Errno`, with a typed throw.
    static func system<T>(_ body: () throws -> T) throws(Errno) -> T {
        do { return try body() } catch let e as Errno { throw e } catch { throw Errno.ioError }
    }

    /// Opens a file for appending, creating it with mode 0600. A symbolic link in
    /// its place is not followed (ELOOP): hivefs writes only its own files.
    public static func openAppend(_ path: String) throws(Errno) -> FileDescriptor {
        try system {
            try FileDescriptor.open(FilePath(path), .writeOnly, options: [.append, .create, .closeOnExec, .noFollow],
                                    permissions: [.ownerReadWrite])
        }
    }

    /// Opens a file for reading; a symbolic link is followed only when asked (ELOOP otherwise).
    public static func openRead(_ path: String, followLinks: Bool = false) throws(Errno) -> FileDescriptor {
        try system { try FileDescriptor.open(FilePath(path), .readOnly, options: followLinks ? [.closeOnExec] : [.closeOnExec, .noFollow]) }
    }

    /// Writes every byte, retrying short writes and EINTR.
    public static func writeAll(_ fd: FileDescriptor, _ bytes: some Collection<UInt8>) throws(Errno) {
        _ = try system { try fd.writeAll(Array(bytes)) }
    }

    public static func fsync(_ fd: FileDescriptor) throws(Errno) {
        try check { Glibc.fsync(fd.rawValue) }
    }

    public static func close(_ fd: Int32) { try? FileDescriptor(rawValue: fd).close() }

    /// Reads up to `count` bytes at `offset`.
    public static func pread(_ fd: Int32, count: Int, offset: Int64) throws(Errno) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: count)
        let n = try system {
            try buf.withUnsafeMutableBytes { try FileDescriptor(rawValue: fd).read(fromAbsoluteOffset: offset, into: $0) }
        }
        buf.removeLast(count - n)
        return buf
    }

    /// An open file's status, or nil if it cannot be asked.
    public static func stat(_ fd: Int32) -> Glibc.stat? {
        var st = Glibc.stat()
        return hive_fstat(fd, &st) == 0 ? st : nil
    }

    /// The size of an open file, or nil if it cannot be asked.
    public static func size(_ fd: FileDescriptor) -> Int64? {
        var st = Glibc.stat()
        return hive_fstat(fd.rawValue, &st) == 0 ? Int64(st.st_size) : nil
    }

    /// A whole file from `offset`, read to its end (works for /proc files, whose size is 0);
    /// a symbolic link is followed only when asked.
    public static func readFile(_ path: String, from offset: Int64 = 0, limit: Int = 1 << 26,
                                followLinks: Bool = false) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        if offset > 0, lseek(fd, off_t(offset), SEEK_SET) < 0 { return nil }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if Glibc.errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Writes a file whole: a temporary file, fsync (unless `sync` is false: a file
    /// that may be lost), rename, so readers never see half of it.
    public static func writeFileAtomically(_ path: String, _ bytes: some Collection<UInt8>, mode: mode_t = 0o600,
                                           sync: Bool = true) throws(Errno) {
        let tmp = path + ".tmp-\(getpid())"
        let fd = try check { Glibc.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        let desc = FileDescriptor(rawValue: fd)
        do {
            try writeAll(desc, bytes)
            if sync { try fsync(desc) }
        } catch {
            Glibc.close(fd)
            unlink(tmp)
            throw error
        }
        Glibc.close(fd)
        try check { Glibc.rename(tmp, path) }
    }

    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(Errno) {
        try check { Glibc.mkdir(path, mode) }
    }

    /// mkdir -p; existing directories are fine.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(Errno) {
        var built = ""
        for part in path.split(separator: "/") {
            built += "/" + part
            if Glibc.mkdir(built, mode) != 0 && Glibc.errno != EEXIST {
                throw Errno(rawValue: Glibc.errno)
            }
        }
    }

    public static func rename(_ from: String, _ to: String) throws(Errno) {
        try check { Glibc.rename(from, to) }
    }

    /// Renames without ever replacing what is at `to` (EEXIST then). Where the file
    /// system cannot promise it (EINVAL), checks first and renames: a race then may lose.
    public static func renameNoReplace(_ from: String, _ to: String) throws(Errno) {
        do throws(Errno) {
            try check { hive_rename_noreplace(from, to) }
        } catch .invalidArgument {
            var st = Glibc.stat()
            guard lstat(to, &st) != 0 else { throw .fileExists }
            try rename(from, to)
        }
    }

    /// What `fcntl(F_SETLEASE, F_RDLCK)` says of a file opened for reading.
    public enum ReadLease { case held, openForWriting, unsupported }

    /// Takes a read lease: refused (EAGAIN) while anyone has the file open for
    /// writing. Where leases cannot be had (EINVAL: the file system; EACCES: not the
    /// owner), `unsupported`. A lease held is broken by an open for writing with
    /// SIGIO, which the holder must ignore; release it soon (`releaseLease`).
    public static func takeReadLease(_ fd: Int32) -> ReadLease {
        // F_SETLEASE (1024) is not exported to Swift without _GNU_SOURCE.
        if fcntl(fd, 1024, Int32(F_RDLCK)) == 0 { return .held }
        return errno == EAGAIN ? .openForWriting : .unsupported
    }

    public static func releaseLease(_ fd: Int32) { _ = fcntl(fd, 1024, Int32(F_UNLCK)) }

    public static func truncate(_ fd: FileDescriptor, _ size: Int64) throws(Errno) {
        try check { Glibc.ftruncate(fd.rawValue, off_t(size)) }
    }

    public static func truncate(_ path: String, _ size: Int64) throws(Errno) {
        try check { Glibc.truncate(path, off_t(size)) }
    }

    /// Copies a regular file, a chunk at a time, over whatever is at `to` (through a
    /// temporary name beside it, so no half-copied file is ever seen there).
    public static func copyFile(_ from: String, to: String, followLinks: Bool = false) throws(Errno) {
        let src = try Sys.openRead(from, followLinks: followLinks)
        defer { try? src.close() }
        let tmp = to + ".hivefs-copy"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        let dst = FileDescriptor(rawValue: fd)
        do throws(Errno) {
            var offset: Int64 = 0
            while true {
                let chunk = try pread(src.rawValue, count: 1 << 20, offset: offset)
                if chunk.isEmpty { break }
                try writeAll(dst, chunk)
                offset += Int64(chunk.count)
            }
            try? dst.close()
            try rename(tmp, to)
        } catch {
            try? dst.close()
            unlink(tmp)
            throw error
        }
    }

    /// The executable regular file `name` is on `path` (a PATH value: folders between
    /// `:`), first found; nil when none is.
    public static func which(_ name: String, path: String) -> String? {
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let p = dir + "/" + name
            if access(p, X_OK) == 0, let st = stat(p), st.st_mode & S_IFMT == S_IFREG { return p }
        }
        return nil
    }

    /// The folder a path is in: everything before its last `/` (the path itself when it has none).
    public static func folder(of path: String) -> String {
        String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }

    /// Where a symbolic link points, or nil when the path is not one.
    public static func linkTarget(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buf, buf.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `stat`, or nil when the path does not exist.
    public static func stat(_ path: String) -> Glibc.stat? {
        var st = Glibc.stat()
        return hive_stat(path, &st) == 0 ? st : nil
    }

    /// The names in a directory, without `.` and `..`, sorted; empty if it cannot be read.
    public static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The file system type (`statfs` f_type) of a path, or the errno.
    public static func fsType(_ path: String) -> Result<Int, Errno> {
        let t = hive_statfs_type(path)
        return t < 0 ? .failure(Errno(rawValue: Glibc.errno)) : .success(t)
    }

    /// Sends a signal; false if the process is gone.
    @discardableResult
    public static func signal(_ pid: pid_t, _ sig: Int32) -> Bool {
        Glibc.kill(pid, sig) == 0
    }

    /// An fd that becomes readable when `pid` exits.
    public static func pidfdOpen(_ pid: pid_t) throws(Errno) -> Int32 {
        try check { hive_pidfd_open(pid) }
    }

    public static func inotifyInit() throws(Errno) -> Int32 {
        try check { inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK)) }
    }

    public static func inotifyAdd(_ fd: Int32, _ path: String, _ mask: UInt32) throws(Errno) -> Int32 {
        try check { inotify_add_watch(fd, path, mask) }
    }

    public static func eventfd() throws(Errno) -> Int32 {
        try check { hive_eventfd() }
    }

    /// An exclusive lock held for the life of the process; EWOULDBLOCK if taken.
    public static func lockFile(_ path: String) throws(Errno) -> Int32 {
        let fd = try check { Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = Errno(rawValue: Glibc.errno)
            Glibc.close(fd)
            throw e
        }
        return fd
    }

    /// The home directory of the user running hivefs.
    public static var home: String {
        if let h = ProcessInfo.processInfo.environment["HOME"], !h.isEmpty { return h }
        if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }

    /// The path of the running executable.
    public static var executablePath: String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Sleeps for `ms` milliseconds.
    /// Sleeps the whole time, even when a signal (the spool's SIGIO of a broken lease)
    /// cuts it short: the rest is slept again.
    public static func sleep(ms: Int) {
        guard ms > 0 else { return }
        var want = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        var left = timespec()
        while nanosleep(&want, &left) != 0 && errno == EINTR { want = left }
    }

    /// Monotonic milliseconds, for timers and timeouts.
    public static func monotonicMS() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

extension Errno {
    /// This errno as a `HiveError` with a reason.
    public func hive(_ reason: String) -> HiveError { HiveError(self, reason + ": " + String(cString: strerror(rawValue))) }
}
