import CLinux
import Glibc
import HiveCore
import SystemPackage

/// The terminal: raw mode, the alternate screen, its size, keys and resizes.
/// Every terminal system call of `hivefs top` is made here.
public final class TTY {
    let input: Int32
    let output: Int32
    var saved = termios()
    var raw = false
    /// Readable when a signal came: SIGWINCH (resized), or SIGTERM, SIGHUP, SIGINT
    /// (leave, and give the terminal back as it was).
    let signals: Int32

    /// Takes the terminal on `input`/`output`; ENOTTY when either is not one.
    public init(input: Int32 = 0, output: Int32 = 1) throws(HiveError) {
        guard isatty(input) == 1, isatty(output) == 1 else {
            throw HiveError(.inappropriateIOCTLForDevice, "hivefs top needs a terminal (use --once to print one frame)")
        }
        self.input = input
        self.output = output
        let fd = [SIGWINCH, SIGTERM, SIGHUP, SIGINT].withUnsafeBufferPointer { hive_signal_pipe($0.baseAddress, Int32($0.count)) }
        guard fd >= 0 else { throw HiveError(Errno(rawValue: errno), "cannot watch the terminal's size and signals") }
        signals = fd
    }

    deinit {
        leave()
        Glibc.close(signals)
    }

    /// Raw input, no echo, the alternate screen, the cursor hidden.
    public func enter() throws(HiveError) {
        guard !raw else { return }
        guard tcgetattr(input, &saved) == 0 else { throw HiveError(Errno(rawValue: errno), "cannot read the terminal's mode") }
        var t = saved
        t.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON)
        t.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN)
        t.c_cflag |= tcflag_t(CS8)
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(input, TCSAFLUSH, &t) == 0 else { throw HiveError(Errno(rawValue: errno), "cannot set the terminal's mode") }
        raw = true
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    /// Back to the shell's screen and mode (also on the way to an attach).
    public func leave() {
        guard raw else { return }
        write("\u{1B}[0m\u{1B}[?1049l\u{1B}[?25h")
        _ = tcsetattr(input, TCSAFLUSH, &saved)
        raw = false
    }

    /// Rows and columns; 24×80 if the terminal does not say.
    public var size: (rows: Int, columns: Int) {
        var r: UInt16 = 0, c: UInt16 = 0
        guard hive_winsize(output, &r, &c) == 0, r > 0, c > 0 else { return (24, 80) }
        return (Int(r), Int(c))
    }

    /// Writes every byte (the frame is one write, so it never shows half drawn).
    public func write(_ s: String) {
        let bytes = Array(s.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { b -> Int in
                guard let base = b.baseAddress else { return 0 }
                return Glibc.write(output, base + done, b.count - done)
            }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            done += n
        }
    }

    public enum Wake { case input([UInt8]), resized, timeout, closed, ready }

    /// Waits up to `milliseconds` for a key, a resize, a signal to stop (`closed`),
    /// or `also` to become readable (`ready`).
    public func wait(milliseconds: Int32, also: Int32 = -1) -> Wake {
        var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0), pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: also, events: Int16(POLLIN), revents: 0)]
        let n = poll(&fds, also >= 0 ? 3 : 2, milliseconds)
        if n < 0 { return errno == EINTR ? .timeout : .closed }
        if n == 0 { return .timeout }
        if fds[1].revents != 0 {
            var got = [UInt8](repeating: 0, count: 64)
            var stop = false
            while true {
                let k = read(signals, &got, got.count)
                if k <= 0 { break }
                if got[0..<k].contains(where: { Int32($0) != SIGWINCH }) { stop = true }
            }
            return stop ? .closed : .resized
        }
        if also >= 0, fds[2].revents != 0, fds[0].revents == 0 { return .ready }
        if fds[0].revents & Int16(POLLIN) != 0 {
            var buf = [UInt8](repeating: 0, count: 4096)
            let got = read(input, &buf, buf.count)
            if got > 0 { return .input(Array(buf[0..<got])) }
            if got < 0, errno == EINTR || errno == EAGAIN { return .timeout }
            return .closed
        }
        return .closed  // hung up
    }
}

extension TTY {
    /// A clock that never jumps, in milliseconds.
    public static func monotonic() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The local time of day, `HH:MM:SS`.
    public static func clock() -> String {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : String(n) }
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    /// Runs `argv` on this terminal until it exits (the dashboard is left first
    /// and entered again after), without `TMUX` in its environment so that an
    /// attach works from inside tmux too. Returns its exit status.
    public func handOver(_ argv: [String]) throws(HiveError) -> Int32 {
        guard let program = argv.first else { throw .invalid("nothing to run") }
        leave()
        defer { try? enter() }
        var env = [String]()
        var p = environ
        while let e = p.pointee {
            let s = String(cString: e)
            if !s.hasPrefix("TMUX=") { env.append(s) }
            p += 1
        }
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { (cargs + cenv).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, program, nil, nil, &cargs, &cenv)
        guard rc == 0 else { throw HiveError(Errno(rawValue: rc), "cannot run \(program): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return (status >> 8) & 0xFF
    }
}
