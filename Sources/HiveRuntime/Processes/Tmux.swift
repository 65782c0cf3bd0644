import Foundation
import HiveCore

/// hivefs's own tmux server (`tmux -L SOCKET`), driven with argument vectors.
/// Every call runs tmux as a process and waits for it, so callers run on a
/// runtime queue, never on a FUSE worker.
public struct Tmux: Sendable {
    public let socket: String
    public let program: String

    public init(socket: String, program: String = "tmux") {
        self.socket = socket
        self.program = program
    }

    /// An argument as tmux must receive it to keep it literal: tmux reads any argument
    /// ending in `;` as a command separator, even after `--`; `\;` gives a literal `;`.
    public static func literal(_ arg: String) -> String {
        arg.hasSuffix(";") ? String(arg.dropLast()) + "\\;" : arg
    }

    /// An exact-match target for a session's (only) pane.
    public static func target(_ name: String) -> String { "=" + SessionName.tmuxName(name) + ":" }

    /// Runs one tmux command line (commands may be chained with ";" words).
    @discardableResult
    public func run(_ args: [String]) -> Spawn.Result {
        Spawn.run([program, "-L", socket, "-f", "/dev/null"] + args)
    }

    /// What starting a session needs.
    public struct Launch: Sendable {
        public var name: String
        public var dir: String
        public var environment: [String: String]
        public var argv: [String]
        public var logPath: String
        public var width = 200
        public var height = 50
    }

    /// Creates the session with its command, its terminal log piped from the first
    /// byte, and remain-on-exit so the exit status can be read; returns the pane pid.
    public func start(_ l: Launch) throws(HiveError) -> pid_t {
        var args = ["start-server", ";", "set-option", "-g", "exit-empty", "off", ";",
                    "set-option", "-g", "remain-on-exit", "on", ";",
                    "set-option", "-g", "history-limit", "10000", ";",
                    "new-session", "-d", "-s", SessionName.tmuxName(l.name), "-x", String(l.width), "-y", String(l.height),
                    "-P", "-F", "#{pane_pid}"]
        // No -c: tmux expands formats (#(cmd) runs a shell) in it; the launcher changes directory.
        for (k, v) in l.environment.sorted(by: { $0.key < $1.key }) { args += ["-e", Tmux.literal("\(k)=\(v)")] }
        args.append("--")
        args += l.argv.map(Tmux.literal)
        args += [";", "pipe-pane", "-t", Tmux.target(l.name), "-o", ("exec cat >> " + Text.shellQuote(l.logPath)).replacingOccurrences(of: "#", with: "##")]
        var r = run(args)
        if !r.ok && r.stderr.contains("no server running") {
            // The server was exiting as we connected; a new one starts on retry.
            Sys.sleep(ms: 100)
            r = run(args)
        }
        guard r.ok, let pid = pid_t(r.stdout.trimmingWhitespace()) else {
            let why = r.stderr.trimmingWhitespace()
            throw .io("tmux new-session failed: \(why.isEmpty ? "exit \(r.status)" : why)")
        }
        return pid
    }

    /// One pane as `list-panes` describes it.
    public struct Pane: Sendable, Equatable {
        public var session: String
        public var pid: pid_t
        public var dead: Bool
        public var status: Int32?
        public var signal: Int32?
    }

    /// Every pane on the server, keyed by hivefs session name; empty when no server runs.
    public func panes() -> [String: Pane] {
        let r = run(["list-panes", "-a", "-F", "#{session_name}\t#{pane_pid}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}"])
        guard r.ok else { return [:] }
        var out: [String: Pane] = [:]
        for line in r.stdout.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 5, let pid = pid_t(f[1]) else { continue }
            let name = SessionName.fromTmuxName(f[0])
            out[name] = Pane(session: name, pid: pid, dead: f[2] == "1", status: Int32(f[3]), signal: Int32(f[4]))
        }
        return out
    }

    /// The pane of one session, or nil when the session is gone.
    public func pane(_ name: String) -> Pane? {
        let r = run(["list-panes", "-t", Tmux.target(name), "-F", "#{pane_pid}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}"])
        guard r.ok, let line = r.stdout.split(separator: "\n").first else { return nil }
        let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard f.count >= 4, let pid = pid_t(f[0]) else { return nil }
        return Pane(session: name, pid: pid, dead: f[1] == "1", status: Int32(f[2]), signal: Int32(f[3]))
    }

    /// The visible rows of the session's terminal, or nil when it is gone; with
    /// `colours`, with the escape sequences of their colours and attributes (`-e`).
    public func capture(_ name: String, colours: Bool = false) -> String? {
        let r = run(["capture-pane", "-p"] + (colours ? ["-e"] : []) + ["-t", Tmux.target(name)])
        return r.ok ? r.stdout : nil
    }

    /// Types text literally: no key names, no tmux syntax.
    public func sendLiteral(_ name: String, _ text: String) throws(HiveError) {
        let r = run(["send-keys", "-t", Tmux.target(name), "-l", "--", Tmux.literal(text)])
        guard r.ok else { throw .io("tmux send-keys failed: \(r.stderr.trimmingWhitespace())") }
    }

    /// Sends key names (`Enter`, `C-c`), already checked by `KeyNames`.
    public func sendKeys(_ name: String, _ keys: [String]) throws(HiveError) {
        let r = run(["send-keys", "-t", Tmux.target(name), "--"] + keys.map(Tmux.literal))
        guard r.ok else { throw .io("tmux send-keys failed: \(r.stderr.trimmingWhitespace())") }
    }

    /// Closes the session's terminal.
    public func killSession(_ name: String) {
        run(["kill-session", "-t", "=" + SessionName.tmuxName(name)])
    }

    public func hasSession(_ name: String) -> Bool {
        run(["has-session", "-t", "=" + SessionName.tmuxName(name)]).ok
    }
}
