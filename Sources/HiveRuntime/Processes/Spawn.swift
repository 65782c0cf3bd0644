import Foundation
import HiveCore
import SystemPackage
import CLinux

/// Runs programs with an argument vector (never through a shell).
public enum Spawn {
    /// What a finished program left.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var ok: Bool { status == 0 }
    }

    /// Runs `argv` to completion, capturing its output. stdin is /dev/null. With
    /// `timeoutMS`, a program still running then is killed (status 128 + SIGKILL);
    /// with `graceMS` too, it is first sent SIGTERM, and SIGKILL only if it is still
    /// running `graceMS` later (time to remove its lock files).
    public static func run(_ argv: [String], environment: [String: String]? = nil, timeoutMS: Int? = nil,
                           graceMS: Int? = nil, directory: String? = nil) -> Result {
        let c = capture(argv, environment: environment, timeoutMS: timeoutMS, graceMS: graceMS, directory: directory)
        return Result(status: c.status, stdout: String(decoding: c.stdout, as: UTF8.self), stderr: c.stderr)
    }

    /// What a finished program left, its output as bytes; `cut` when it printed more
    /// than the limit (it was then killed, and `stdout` holds the limit's worth).
    public struct Captured: Sendable {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: String
        public var cut = false
        public var ok: Bool { status == 0 && !cut }
    }

    /// `run`, keeping at most `limit` bytes of its output (killing a program that prints
    /// more), in `directory` when given.
    public static func capture(_ argv: [String], environment: [String: String]? = nil, timeoutMS: Int? = nil,
                               graceMS: Int? = nil, limit: Int = Int.max, directory: String? = nil) -> Captured {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard hive_pipe_cloexec(&outPipe) == 0, hive_pipe_cloexec(&errPipe) == 0 else {
            return Captured(status: 127, stdout: [], stderr: "pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        if let directory { hive_spawn_addchdir(&actions, directory) }
        var pid: pid_t = 0
        let rc = spawn(argv, actions: &actions, environment: environment, flags: 0, pid: &pid)
        close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            return Captured(status: 127, stdout: [], stderr: "\(argv[0]): \(String(cString: strerror(rc)))")
        }
        var cut = false
        // Read both pipes without deadlocking on a full one.
        var out: [UInt8] = [], err: [UInt8] = []
        var fds = [pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0),
                   pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0)]
        var open = 2
        var buf = [UInt8](repeating: 0, count: 65536)
        var deadline = timeoutMS.map { Sys.monotonicMS() + Int64($0) }
        var terminated = false
        while open > 0 {
            let wait = deadline.map { Int32(clamping: max(0, $0 - Sys.monotonicMS())) } ?? -1
            let ready = poll(&fds, 2, wait)
            if ready < 0 { if errno == EINTR { continue }; break }
            if ready == 0 {
                if let graceMS, !terminated {
                    // Asked to stop first; killed once the grace has passed.
                    terminated = true
                    Glibc.kill(pid, SIGTERM)
                    deadline = Sys.monotonicMS() + Int64(graceMS)
                    continue
                }
                Glibc.kill(pid, SIGKILL)
                for i in 0..<2 where fds[i].fd >= 0 { close(fds[i].fd); fds[i].fd = -1 }
                break
            }
            for i in 0..<2 where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = buf.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if i == 0 { out.append(contentsOf: buf[0..<min(n, max(0, limit - out.count))]) } else { err.append(contentsOf: buf[0..<n]) }
                    if i == 0 && out.count >= limit && !cut {
                        // Enough: what it prints further is not read.
                        cut = true
                        Glibc.kill(pid, SIGKILL)
                    }
                } else if n == 0 || errno != EINTR {
                    close(fds[i].fd); fds[i].fd = -1; open -= 1
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Captured(status: code, stdout: out, stderr: String(decoding: err, as: UTF8.self), cut: cut)
    }

    /// Starts `argv` in a new session (detached from the terminal) with stdin from
    /// /dev/null and stdout/stderr appended to `logPath`; returns its pid.
    public static func detached(_ argv: [String], logPath: String) throws(HiveError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let rc = spawn(argv, actions: &actions, environment: nil, flags: hive_spawn_setsid_flag(), pid: &pid)
        guard rc == 0 else { throw HiveError(.init(rawValue: rc), "cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// A child whose stdin, stdout and stderr are pipes to this process.
    public struct Piped: Sendable {
        public let pid: pid_t
        /// Its stdin (written here), stdout and stderr (read here); close-on-exec.
        public let input: FileDescriptor
        public let output: FileDescriptor
        public let errors: FileDescriptor
    }

    /// Starts `argv` (searched in PATH) in a session of its own (so it never takes
    /// this process's terminal, and its group can be signalled whole), talking
    /// through pipes.
    public static func piped(_ argv: [String], environment: [String: String]? = nil) throws(HiveError) -> Piped {
        var fds: [[Int32]] = []
        for _ in 0..<3 {
            var p: [Int32] = [-1, -1]
            guard hive_pipe_cloexec(&p) == 0 else {
                for f in fds.flatMap({ $0 }) { Glibc.close(f) }
                throw Errno(rawValue: errno).hive("cannot make a pipe")
            }
            fds.append(p)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0][0], 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1][1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[2][1], 2)
        var pid: pid_t = 0
        let rc = spawn(argv, actions: &actions, environment: environment, flags: hive_spawn_setsid_flag(), pid: &pid)
        Glibc.close(fds[0][0]); Glibc.close(fds[1][1]); Glibc.close(fds[2][1])
        guard rc == 0 else {
            Glibc.close(fds[0][1]); Glibc.close(fds[1][0]); Glibc.close(fds[2][0])
            throw HiveError(Errno(rawValue: rc), "cannot start \(argv.first ?? "?"): \(String(cString: strerror(rc)))")
        }
        return Piped(pid: pid, input: FileDescriptor(rawValue: fds[0][1]), output: FileDescriptor(rawValue: fds[1][0]),
                     errors: FileDescriptor(rawValue: fds[2][0]))
    }

    /// Starts `argv` (searched in this process's PATH) as a child that shares this
    /// process's terminal and process group, with default signal handling, and
    /// `environment` (this process's when nil).
    public static func child(_ argv: [String], environment: [String: String]? = nil) -> Swift.Result<pid_t, Errno> {
        var pid: pid_t = 0
        let rc = spawn(argv, actions: nil, environment: environment, flags: 0, pid: &pid)
        return rc == 0 ? .success(pid) : .failure(Errno(rawValue: rc))
    }

    /// Waits up to `graceMS` for a child already told to end to exit, then KILLs it
    /// (its whole process group with `group`) and waits for it: reaped either way.
    /// A child reaped elsewhere meanwhile (ECHILD) counts as ended.
    public static func reap(_ pid: pid_t, graceMS: Int, group: Bool = false) {
        var st: Int32 = 0
        let deadline = Sys.monotonicMS() + Int64(graceMS)
        while Sys.monotonicMS() < deadline {
            let r = waitpid(pid, &st, WNOHANG)
            if r == pid || r < 0 { return }
            Sys.sleep(ms: 20)
        }
        kill(group ? -pid : pid, SIGKILL)
        waitpid(pid, &st, 0)
    }

    /// posix_spawnp with clean signals and `flags` (POSIX_SPAWN_SETSID…); returns 0 or the errno.
    private static func spawn(_ argv: [String], actions: UnsafePointer<posix_spawn_file_actions_t>?,
                              environment: [String: String]?, flags: Int16, pid: inout pid_t) -> Int32 {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        cleanSignals(&attr, flags: flags)
        return withCStrings(argv) { args in
            withEnvironment(environment) { env in posix_spawnp(&pid, argv[0], actions, &attr, args, env) }
        }
    }

    /// Children start with no blocked and no ignored signals, whatever the calling
    /// thread had: a tmux server that inherited a blocked SIGCHLD never learns
    /// how its panes exited.
    static func cleanSignals(_ attr: inout posix_spawnattr_t, flags: Int16) {
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        var all = sigset_t()
        sigemptyset(&all)
        for sig in [SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU] {
            sigaddset(&all, sig)
        }
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, flags | Int16(POSIX_SPAWN_SETSIGMASK) | Int16(POSIX_SPAWN_SETSIGDEF))
    }

    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        ptrs.append(nil)
        defer { for p in ptrs { free(p) } }
        return body(ptrs)
    }

    static func withEnvironment<R>(_ env: [String: String]?, _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pairs = (env ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        return withCStrings(pairs, body)
    }
}
