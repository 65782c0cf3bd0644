#if canImport(Glibc)
import Glibc
#endif

/// The one thing an agent's hook does: append the payload it was given on stdin to
/// the session's `hooks.log`, as one record on one line, and return.
///
/// Decisions, stated once:
/// - No Foundation and no daemon: this runs on every hook call of every agent and
///   must cost little more than starting a process. It never connects to the
///   daemon, so a stopped or busy daemon cannot slow or block the agent; the
///   daemon sees the record through inotify.
/// - The record is `MILLISECONDS FORM DATA\n` (see `HookRecord` in HiveCore): the
///   payload untouched (`line`; `nl` when it ended in its only newline, which the
///   record's own newline then stands for), or base64 (`base64`) when it held
///   another newline or was empty, so a record is always exactly one line.
/// - Concurrent hooks: the record goes out under an exclusive `flock`, in as many
///   `write` calls as it takes, so records never interleave, even megabytes long.
/// - The exit status is always 0 and nothing is printed on stdout (Claude Code
///   adds a hook's stdout to the conversation). Trouble goes to stderr.
public enum HookWriter {
    /// Appends the payload to `path` as one record: `argument` when the agent gives
    /// it as an argument (Codex CLI's `notify` passes its JSON last), else stdin read
    /// to its end. Returns a reason on failure (for stderr), nil when it is written.
    public static func run(path: String, argument: String? = nil) -> String? {
        let payload = argument.map { Array($0.utf8) } ?? readAll(0)
        var body = payload
        let endsInNewline = body.last == 0x0A
        if endsInNewline { body.removeLast() }
        let plain = !body.isEmpty && !body.contains(0x0A)
        var record: [UInt8] = []
        record.reserveCapacity(body.count + 32)
        record += Array(String(nowMilliseconds()).utf8)
        record += Array((plain ? (endsInNewline ? " nl " : " line ") : " base64 ").utf8)
        if plain { record += body } else { base64(payload, into: &record) }
        record.append(0x0A)
        return append(record, to: path)
    }

    /// What an agent's status-line command does (Claude Code runs it with a JSON
    /// snapshot of the session on stdin, its cost among it, and shows what it prints):
    /// the snapshot replaces `file` whole (a temporary file renamed over it), a fixed
    /// record in `log` tells the daemon to read it, and `then`, the user's own
    /// status-line command if they have one, runs through `/bin/sh -c` on the same
    /// snapshot with its output going to Claude Code as it would without hivefs.
    /// In a sandbox, where only `file` itself is writable (its folder is read-only),
    /// it is rewritten in place instead. Returns a reason on failure (for stderr),
    /// nil when all went well.
    public static func runStatus(file: String, log: String, then command: String?) -> String? {
        let snapshot = readAll(0)
        var trouble: String?
        let tmp = file + ".tmp." + String(getpid())
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd < 0 && (errno == EROFS || errno == EACCES) {
            let inPlace = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW)
            let ok = inPlace >= 0 && writeAll(inPlace, snapshot)
            if inPlace >= 0 { close(inPlace) }
            trouble = ok ? run(path: log, argument: statusRecord) : "cannot write \(file): \(String(cString: strerror(errno)))"
        } else if fd < 0 {
            trouble = "cannot write \(tmp): \(String(cString: strerror(errno)))"
        } else {
            let ok = writeAll(fd, snapshot)
            close(fd)
            if !ok || rename(tmp, file) != 0 {
                trouble = "cannot write \(file): \(String(cString: strerror(errno)))"
                unlink(tmp)
            } else if let why = run(path: log, argument: statusRecord) {
                trouble = why
            }
        }
        if let command { runShell(command, stdin: snapshot) }
        return trouble
    }

    /// The payload that says a new status snapshot is there.
    public static let statusRecord = #"{"hook_event_name":"StatusLine"}"#

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buf -> Int in
                guard let base = buf.baseAddress else { return 0 }
                return write(fd, base + done, buf.count - done)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    /// Runs `/bin/sh -c command` with `stdin` on its standard input and this
    /// process's standard output and error, and waits for it.
    static func runShell(_ command: String, stdin bytes: [UInt8]) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        var pid: pid_t = 0
        let argv = ["/bin/sh", "-c", command]
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, &cargs, environ)
        close(fds[0])
        if rc == 0 {
            signal(SIGPIPE, SIG_IGN)
            _ = writeAll(fds[1], bytes)
        }
        close(fds[1])
        if rc == 0 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        } else {
            complain("hivefs-hook: cannot run the status line command: \(String(cString: strerror(rc)))")
        }
    }

    /// Writes a line to stderr (fd 2), which Claude Code shows only in its debug output.
    public static func complain(_ message: String) {
        let bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { out += chunk[0..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            return out
        }
    }

    static func append(_ record: [UInt8], to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return "cannot open \(path): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { return "cannot lock \(path): \(String(cString: strerror(errno)))" }
        }
        // Where the record starts: a write that fails halfway (a full disk) is cut
        // back to here, so the log never holds half a record for the next to join.
        let start = lseek(fd, 0, SEEK_END)
        var done = 0
        while done < record.count {
            let n = record.withUnsafeBytes { buf -> Int in
                guard let base = buf.baseAddress else { return 0 }
                return write(fd, base + done, buf.count - done)
            }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                let why = n < 0 ? String(cString: strerror(errno)) : "nothing written"
                if start >= 0 { _ = ftruncate(fd, start) }
                return "cannot write \(path): \(why)"
            }
            done += n
        }
        return nil
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding.
    static func base64(_ bytes: [UInt8], into out: inout [UInt8]) {
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], 0x3D, 0x3D]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], 0x3D]
        }
    }
}
