import ArgumentParser
import Foundation
import HiveCore
import HiveFUSE
import HiveHook
import HiveLink
import HiveRuntime
import HiveTop
import Logging

struct UnmountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmount",
        abstract: "Unmount the tree; the daemon exits and every agent keeps running.",
        discussion: "A tree in use (open files, a `tail -f`, a shell inside it) is detached instead: the daemon stops all the same, and what is still open reads ENOTCONN."
    )

    @Argument(help: "The mount point (default ~/hive).", completion: .directory)
    var mountpoint: String?

    @Flag(name: .long, help: "Detach at once (fusermount3 -z), without trying a plain unmount first.")
    var lazy = false

    @OptionGroup var location: Location

    func run() throws {
        let mp = try location.mountpoint(mountpoint)
        switch Mount.status(mp) {
        case .stale:
            try Mount.unmount(mp, lazy: true)
            print("hivefs: cleaned the stale mount at \(mp)")
        case .mounted:
            if lazy {
                try Mount.unmount(mp, lazy: true)
                print("hivefs: detached \(mp); the daemon stops, and files still open read ENOTCONN")
                return
            }
            do {
                try Mount.unmount(mp)
                print("hivefs: unmounted \(mp)")
            } catch {
                // In use (a shell's working directory, a `tail -f`): detach it all the same.
                guard Mount.status(mp) == .mounted else { throw error }
                try Mount.unmount(mp, lazy: true)
                print("hivefs: \(mp) was in use (\(error.reason)); detached it: the daemon stops, and files still open read ENOTCONN")
            }
        case .directory, .absent:
            throw ValidationError("nothing is mounted at \(mp)")
        }
    }
}

struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Create and start a session (writes `new NAME …` to the root control file).",
        discussion: "With a command after --, the agent is shell and runs that command."
    )

    @Argument(help: "The session's name; @HOST/NAME makes it on another host (its control under @HOST).") var name: String
    @Option(name: .long, help: "claude, codex, gemini, aider, cursor, shell, or one defined in agents/NAME.toml (default claude; shell with a command).",
            completion: SessionCompletion.agents) var agent: String?
    @Option(name: .long, help: "The directory it runs in (default: this one; on another host, the home directory there).", completion: .directory) var dir: String?
    @Option(name: .long, help: "The first prompt.") var prompt: String?
    @Option(name: .long, help: "The model.") var model: String?
    @Option(name: .long, parsing: .singleValue, help: "An environment variable, KEY=VALUE (repeatable).") var env: [String] = []
    @Flag(name: .long, help: "Give it a git worktree of its own, on a new branch hive/NAME.") var worktree = false
    @Option(name: .long, help: "The new branch of its worktree (implies --worktree).") var branch: String?
    @Option(name: .long, help: "A command run in its new worktree before the agent starts.") var setup: String?
    @Option(name: .long, help: "Its permission mode, in the agent's words (claude: default, acceptEdits, auto, plan, dontAsk, bypassPermissions; codex: on-request, never, read-only, workspace-write, danger-full-access; aider: ask, yes-always).")
    var mode: String?
    @Flag(name: .long, help: "Mark its directory trusted in Claude Code's configuration first (no trust dialog).") var trust = false
    @Option(name: .long, help: "Fork this session: start from its point (its conversation, and its HEAD and uncommitted work on a new branch), with its agent and directory.",
            completion: SessionCompletion.any) var from: String?
    @Option(name: .long, help: "none, or bwrap: the whole system read-only but its own folder and its agent's (see SANDBOX AND LIMITS in hivefs(5)).")
    var sandbox: String?
    @Flag(name: .customLong("no-network"), help: "No network in its sandbox.") var noNetwork = false
    @Option(name: .customLong("write"), parsing: .singleValue, help: "Another path its sandbox lets it write (repeatable).", completion: .directory)
    var writable: [String] = []
    @Option(name: .long, parsing: .singleValue, help: "A kernel limit, KEY=VALUE: memory=4G, cpu=150%, pids=512 (repeatable).") var limit: [String] = []
    @Option(name: .long, help: "The mount point (default ~/hive).", completion: .directory) var mount: String?
    @OptionGroup var location: Location
    @Argument(parsing: .postTerminator, help: "The command line to run.") var command: [String] = []

    func run() throws {
        let mp = try location.mountpoint(mount)
        // @HOST/NAME: the same line, to that host's root control; its paths are its own.
        let (root, session, host) = try Self.place(name, mp)
        var words = ["new", session]
        if let from {
            // A fork keeps its parent's agent and folder: named only when asked, for the mount to refuse.
            words.append("from=" + QuotedWords.quote(from))
            if let agent { words.append("agent=" + QuotedWords.quote(agent)) }
            if let dir { words.append("dir=" + QuotedWords.quote(host == nil ? absolute(dir) : dir)) }
        } else {
            let kind = agent ?? (command.isEmpty ? "claude" : "shell")
            words.append("agent=" + QuotedWords.quote(kind))
            if host == nil {
                words.append("dir=" + QuotedWords.quote(absolute(dir ?? FileManager.default.currentDirectoryPath)))
            } else if let dir {
                words.append("dir=" + QuotedWords.quote(dir))
            }
        }
        if let prompt { words.append("prompt=" + QuotedWords.quote(prompt)) }
        if let model { words.append("model=" + QuotedWords.quote(model)) }
        if let branch { words.append("worktree=" + QuotedWords.quote(branch)) } else if worktree { words.append("worktree=yes") }
        if let setup { words.append("setup=" + QuotedWords.quote(setup)) }
        if let mode { words.append("mode=" + QuotedWords.quote(mode)) }
        if trust { words.append("trust=yes") }
        if !command.isEmpty { words.append("command=" + QuotedWords.quote(CommandLineWords.join(command))) }
        for e in env {
            guard let eq = e.firstIndex(of: "=") else { throw ValidationError("--env takes KEY=VALUE") }
            words.append("env." + e[..<eq] + "=" + QuotedWords.quote(String(e[e.index(after: eq)...])))
        }
        if let sandbox { words.append("sandbox=" + QuotedWords.quote(sandbox)) }
        if noNetwork { words.append("sandbox.network=off") }
        if !writable.isEmpty {
            let paths = host == nil ? writable.map(absolute) : writable
            words.append("sandbox.write=" + QuotedWords.quote(CommandLineWords.join(paths)))
        }
        for l in limit {
            guard let eq = l.firstIndex(of: "="), eq != l.startIndex else { throw ValidationError("--limit takes KEY=VALUE (memory=4G, cpu=150%, pids=512)") }
            words.append("limit." + l[..<eq] + "=" + QuotedWords.quote(String(l[l.index(after: eq)...])))
        }
        do throws(HiveError) {
            try MountFiles.writeControl(root + "/control", words.joined(separator: " "))
        } catch {
            // Refused, not misused: the mount's reason, without the usage.
            warn("\(error.errnoName) \(error.reason)\(error.errno == .noSuchFileOrDirectory ? " (is hivefs mounted?)" : "")")
            throw ExitCode(64)
        }
        print("hivefs: \(name) started; cat \(mp)/\(name)/status")
    }

    /// Where a session named `NAME` or `@HOST/NAME` is made: the root it is made in,
    /// its name there, and its host (nil: this one).
    static func place(_ name: String, _ mp: String) throws -> (root: String, session: String, host: String?) {
        guard name.hasPrefix("@") else { return (mp, name, nil) }
        let parts = name.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("'\(name)': another host's session is named @HOST/NAME")
        }
        return (mp + "/@" + parts[0], parts[1], parts[0])
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the root status table, or one session's status."
    )

    @Argument(help: "A session's name.", completion: SessionCompletion.any) var name: String?
    @Option(name: .long, help: "The mount point (default ~/hive).", completion: .directory) var mount: String?
    @Option(name: .long, help: "Another host, by its name in [hosts]: its status, read over ssh.") var host: String?
    @OptionGroup var location: Location

    func run() throws {
        if let host {
            let file = try ConfigFile.load(location.config)
            guard let entry = file.hosts[host] else {
                throw ValidationError("no host \(host) in \(location.config) [hosts]" + (file.hosts.isEmpty ? "" : "; hosts: " + file.hosts.keys.sorted().joined(separator: ", ")))
            }
            let link = LinkClient(name: host, command: try entry.argv(file.link), logger: Logger(label: "hivefs"))
            defer { link.stop() }
            do {
                FileHandle.standardOutput.write(Data(try link.read((name.map { [$0] } ?? []) + ["status"])))
            } catch {
                warn("\(host): \(error.errnoName) \(error.reason)")
                throw ExitCode(1)
            }
            return
        }
        let mp = try location.mountpoint(mount)
        let path = name.map { mp + "/" + $0 + "/status" } ?? mp + "/status"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path) (is hivefs mounted, and does the session exist?)")
        }
        FileHandle.standardOutput.write(data)
    }
}

struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach this terminal to a session's tmux session (detach with C-b d)."
    )

    @Argument(help: "A running session's name; @HOST/NAME for one on another host (through ssh -t).",
              completion: SessionCompletion.live) var name: String
    @Option(name: .long, help: "The mount point (default ~/hive).", completion: .directory) var mount: String?
    @OptionGroup var location: Location

    func run() throws {
        let mp = try location.mountpoint(mount)
        let line = name.hasPrefix("@") ? try remoteLine(mp) : try localLine(mp)
        guard line != "-" else { throw ValidationError("\(name) is not running") }
        let words: [String]
        do throws(HiveError) {
            words = try CommandLineWords.split(line)
        } catch {
            throw ValidationError("\(name)'s attach line '\(line)': \(error.reason)")
        }
        guard !words.isEmpty else { throw ValidationError("\(name)'s attach line is empty") }
        var cargs: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) }
        cargs.append(nil)
        execvp(words[0], cargs)
        throw ValidationError("cannot run \(words[0]): \(String(cString: strerror(errno)))")
    }

    /// A session of this host: the `attach` line of its `status`.
    func localLine(_ mp: String) throws -> String {
        guard let text = try? String(contentsOfFile: mp + "/" + name + "/status", encoding: .utf8) else {
            throw ValidationError("no session \(name) at \(mp)")
        }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("attach ") }) else {
            throw ValidationError("\(name)'s status has no attach line")
        }
        return String(line.dropFirst("attach ".count))
    }

    /// A session of another host: its `attach` in the root `status.json`, which
    /// runs tmux there through ssh (its own `status` names tmux there only).
    func remoteLine(_ mp: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: mp + "/status.json"),
              let all = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
            throw ValidationError("cannot read \(mp)/status.json (is hivefs mounted?)")
        }
        guard let row = all.first(where: { $0["name"] as? String == name }) else {
            let host = name.split(separator: "/").first.map(String.init) ?? name
            if let down = all.first(where: { $0["name"] as? String == host }), down["state"] as? String == "down" {
                throw ValidationError("\(host) is down: \(down["reason"] as? String ?? "")")
            }
            throw ValidationError("no session \(name) at \(mp)")
        }
        return row["attach"] as? String ?? "-"
    }
}

/// Runs inside each session's tmux pane: changes directory and becomes the agent.
struct LaunchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch",
        abstract: "Start an agent inside its tmux pane (used by the daemon).",
        shouldDisplay: false
    )

    @Option(name: .long) var report: String
    @Option(name: .long) var pidfile: String
    @Option(name: .long) var statusfile: String
    @Option(name: .long) var dir: String
    @Option(name: .long, parsing: .unconditionalSingleValue) var setup: [String] = []
    @Option(name: .long) var environ: String?
    @Option(name: .long) var cgroup: [String] = []
    @Argument(parsing: .postTerminator) var command: [String] = []

    func run() throws {
        AgentLauncher.run(argv: command, dir: dir, report: report, pidFile: pidfile, statusFile: statusfile,
                          setup: setup, environ: environ, cgroups: cgroup)
    }
}

/// What agents' hooks run (the same as `hivefs-hook LOG`, which starts faster).
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Append a hook payload (the argument, else stdin) to a session's hooks.log; run by agents' hooks, always exits 0."
    )

    @Argument(help: "The session's hooks.log.", completion: .file()) var log: String?
    @Argument(help: "The payload, for agents that pass it as an argument (Codex CLI's notify); else stdin. With --status: the user's own status-line command.") var payload: String?
    @Option(name: .long, help: "Claude Code's status line: keep its snapshot (stdin) in this file, tell LOG, run the user's command.",
            completion: .file()) var status: String?

    func run() throws {
        guard let log else { return warn("hook needs the session's hooks.log") }
        if let status {
            if let why = HookWriter.runStatus(file: status, log: log, then: payload) { warn(why) }
            return
        }
        if let why = HookWriter.run(path: log, argument: payload) { warn(why) }
    }
}
