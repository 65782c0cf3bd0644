import Foundation
import HiveCore
import Logging
import SystemPackage

/// What Claude Code needs of the machine: its settings file with hivefs's hooks
/// and status line, its version (which hook events it has), its transcript's path,
/// and its folder marked trusted (`ClaudeTrust`, below).
extension ClaudeAgent: AgentRuntime {
    /// Claude Code exits at once when `bypassPermissions` is asked for by root
    /// outside a sandbox (`IS_SANDBOX=1` says it is in one).
    func checkLaunchable(_ spec: SessionSpec) throws(HiveError) {
        guard spec.mode == "bypassPermissions", getuid() == 0 else { return }
        guard AgentEnvironment.compose(overrides: spec.env)["IS_SANDBOX"] == "1" else {
            throw HiveError(.notPermitted, "Claude Code refuses mode=bypassPermissions as root outside a sandbox; "
                            + "run hivefs as another user, or say the session is sandboxed with env.IS_SANDBOX=1")
        }
    }

    /// Its config folder (`CLAUDE_CONFIG_DIR`, else `~/.claude`): transcripts, todos,
    /// and, sandboxed, its configuration file (`ClaudeSandboxConfig`), which is not bound
    /// by itself: a file that is a mount point cannot be renamed over.
    func sandboxWrites(env: [String: String], home: String) -> [String] {
        [Self.configFolder(env: env, home: home)]
    }

    /// The user's settings (hooks, MCP servers, permissions), instructions, commands,
    /// subagents, skills, hooks' scripts and plugins, which every session reads; the
    /// shell snapshots every session sources before each Bash call; `local/`, where
    /// a local install keeps the `claude` program itself.
    func sandboxProtects(env: [String: String], home: String) -> [ProtectedPath] {
        let folder = Self.configFolder(env: env, home: home)
        return [.file(folder + "/settings.json", seed: "{}\n"), .file(folder + "/settings.local.json", seed: "{}\n"),
                .file(folder + "/CLAUDE.md")]
            + ["commands", "agents", "skills", "hooks", "plugins", "output-styles", "shell-snapshots", "local"].map { .folder(folder + "/" + $0) }
    }

    static func configFolder(env: [String: String], home: String) -> String {
        env["CLAUDE_CONFIG_DIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? (env["HOME"] ?? home) + "/.claude"
    }

    /// A new conversation with an id hivefs picks, or (on restart, once a transcript
    /// exists) the same one resumed; hivefs's hooks written to the session's settings
    /// file either way.
    func prepare(_ parts: Parts, _ s: LiveSession, _ plan: inout LaunchPlan) throws(HiveError) {
        let name = plan.name, spec = plan.spec, store = parts.store, config = parts.config
        if spec.sandboxed, let folder = try ClaudeSandboxConfig.prepare(env: AgentEnvironment.compose(overrides: plan.env), home: config.home) {
            plan.env["CLAUDE_CONFIG_DIR"] = folder
        }
        let known = plan.record.agentSession, transcript = plan.record.transcript
        let resume = known != nil && transcript.map { Sys.stat($0) != nil } == true
        let session = known ?? UUID().uuidString.lowercased()
        let command = plan.launch.reportCommand.map(Text.shellQuote).joined(separator: " ")
        let program = (try? CommandLineWords.split(spec.command).first) ?? nil
        let version = ClaudeVersions.shared.version(program ?? "claude", env: spec.env, log: parts.log)
        // Claude Code's status line carries its cost live; the user's own status line
        // runs from hivefs's, so it still shows.
        let own = plan.env["CLAUDE_CONFIG_DIR"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        let configDir = own ?? config.claudeConfigDir
        let dir = plan.workdir
        let users = ClaudeSettings.StatusLine.user(in: [dir + "/.claude/settings.local.json", dir + "/.claude/settings.json",
                                                        configDir + "/settings.json"].map { Sys.readFile($0, followLinks: true) })
        let statusCommand = (config.hookCommand + ["--status", store.statusLinePath(name), store.hooksLogPath(name)]
                             + (users.map { [$0.command] } ?? [])).map(Text.shellQuote).joined(separator: " ")
        let json = ClaudeSettings.json(hookCommand: command, events: ClaudeHooks.events(for: version),
                                       statusLine: ClaudeSettings.StatusLine(command: statusCommand, padding: users?.padding))
        do {
            try Sys.writeFileAtomically(store.claudeSettingsPath(name), Array(json.utf8))
        } catch {
            throw error.hive("cannot write \(store.claudeSettingsPath(name))")
        }
        plan.launch.conversation = session
        plan.launch.resume = resume
        if !resume, known == nil, let parent = try placeForkedTranscript(plan, configDir: configDir) {
            plan.launch.forkFrom = parent
        }
        plan.launch.settingsFile = store.claudeSettingsPath(name)
        plan.hookFiles.append(store.statusLinePath(name))
        plan.detail = (resume ? " resuming " : plan.launch.forkFrom.map { " forking \($0) as " } ?? " session ") + session + " (claude \(version?.description ?? "version unknown"))"
        plan.agentSession = session
        // Resuming, the transcript is the one the agent reported; new, where Claude Code puts it.
        plan.transcript = (resume ? transcript : nil) ?? ClaudePaths.transcript(configDir: configDir, dir: dir, session: session)
        trustFolder(parts, s, plan)
    }

    /// At a fork's first start: the parent's transcript, copied at the fork, put where
    /// Claude Code looks for a conversation to resume in the new worktree (its project
    /// folder is named for the folder it runs in), under the fork point's own id (never
    /// the parent's transcript, which may have grown since, or be in this very folder);
    /// the id to resume.
    private func placeForkedTranscript(_ plan: LaunchPlan, configDir: String) throws(HiveError) -> String? {
        guard let f = plan.record.forkedFrom, let parent = f.conversation, let copy = f.copy else { return nil }
        let id = f.snapshot ?? parent
        let target = ClaudePaths.transcript(configDir: configDir, dir: plan.workdir, session: id)
        guard Sys.stat(target) == nil else { return id }
        do throws(Errno) {
            try Sys.makeDirectories(Sys.folder(of: target))
            try Sys.copyFile(copy, to: target)
        } catch {
            throw error.hive("cannot place the forked conversation (\(copy)) at \(target)")
        }
        return id
    }

    /// Its subagents' transcripts: in the folder beside the session's, and those its hooks named.
    func moreTranscripts(main: String, reported: Set<String>) -> [String] {
        let folder = ClaudePaths.subagentsFolder(transcript: main)
        let beside = Sys.listDirectory(folder).filter { $0.hasSuffix(".jsonl") }.map { folder + "/" + $0 }
        return beside + reported.sorted().filter { !beside.contains($0) }
    }

    /// Marks the folder Claude Code will run in trusted in its configuration, when
    /// hivefs made it (a worktree) or the user asked (`trust=yes`). A failure is an
    /// error event; the agent starts anyway, and its trust dialog shows in `permission`.
    private func trustFolder(_ parts: Parts, _ s: LiveSession, _ plan: LaunchPlan) {
        guard plan.record.worktree != nil || plan.spec.wantsWorktree || plan.spec.trustsDir else { return }
        let file = ClaudeTrust.configFile(env: AgentEnvironment.compose(overrides: plan.env), home: parts.config.home)
        do {
            if try ClaudeTrust.trust(plan.workdir, file: file) {
                parts.machines.step(s, .record(Event(session: s.name, kind: EventKind.trust, detail: "\(plan.workdir) marked trusted in \(file)"), durable: true))
            }
        } catch {
            parts.machines.refused(s.name, HiveError(error.errno, "cannot mark \(plan.workdir) trusted: \(error.reason)"))
        }
    }
}

/// What `claude --version` says, asked once per program (its path and modification
/// time, so an upgrade is seen) and environment. Nil when it does not say: then
/// every hook event is asked for. Any thread may ask; the table has its own lock.
final class ClaudeVersions: @unchecked Sendable {
    static let shared = ClaudeVersions()
    private let lock = NSLock()
    private var known: [String: ClaudeVersion?] = [:]

    func version(_ program: String, env: [String: String], log: Logger) -> ClaudeVersion? {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(env) { _, new in new }
        let path = program.contains("/") ? program : Sys.which(program, path: environment["PATH"] ?? "")
        let mtime = path.flatMap { Sys.stat($0) }.map { "\($0.st_mtim.tv_sec).\($0.st_mtim.tv_nsec)" } ?? "-"
        let key = ([path ?? program, mtime] + env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
            .joined(separator: "\u{0}")
        lock.lock(); let cached = known[key]; lock.unlock()
        if let cached { return cached }
        let r = Spawn.run([path ?? program, "--version"], environment: environment, timeoutMS: 10_000)
        let version = r.ok ? ClaudeVersion(parsing: r.stdout) : nil
        if version == nil {
            log.warning("\(program) --version said no version (exit \(r.status)); hooking every event hivefs knows")
        }
        lock.lock(); known[key] = .some(version); lock.unlock()
        return version
    }
}

/// Where a sandboxed Claude Code keeps its configuration file, and the file's first copy.
///
/// What Claude Code 2.1.337 does with `~/.claude.json` (seen with strace and its
/// `--debug-file`): it rewrites the file as it starts, after turns and as it exits,
/// each time taking `~/.claude.json.lock` (a mkdir), writing `~/.claude.json.tmp.PID.HEX`
/// beside the file (O_CREAT|O_EXCL) and renaming that over the file. In a sandbox,
/// where $HOME is read-only, the mkdir fails with EROFS ("Failed to save config with
/// lock"; it writes without the lock then), so does the open, and it goes on without
/// saving ("Config fallback write also failed; continuing without persisting"):
/// nothing it records is kept, and what it asks once it asks again (its offer of a
/// fullscreen renderer comes up after the first turn and takes the keys `send` types:
/// Enter accepts it and Claude Code starts over). It writes the file in place only when
/// the temporary file is refused with EACCES or the rename fails (EBUSY, EXDEV…),
/// never on EROFS, so a writable bind of the file alone is never written.
///
/// So a sandboxed Claude Code with no `CLAUDE_CONFIG_DIR` of its own runs with
/// `CLAUDE_CONFIG_DIR` set to the folder it uses anyway, `~/.claude` (writable in the
/// sandbox): its transcripts, settings and credentials are where they were, and its
/// configuration file is `~/.claude/.claude.json`, whose lock, temporary file and
/// rename are all in that folder. $HOME itself stays read-only. hivefs marks folders
/// trusted in that file (`ClaudeTrust`, under the same lock), as it does in
/// `~/.claude.json` for a session outside a sandbox.
///
/// The file starts as a copy of `~/.claude.json` (onboarding done, the API key
/// approved, folders trusted, MCP servers), made when a sandboxed session starts and
/// finds none; from then on it is the sandboxed sessions' own, and a change to one
/// file is not seen in the other.
enum ClaudeSandboxConfig {
    /// The config folder to give a sandboxed Claude Code, with its configuration file
    /// copied from `~/.claude.json` when it has none yet; nil when the agent's
    /// environment `env` names a `CLAUDE_CONFIG_DIR` of its own (its file is in it).
    static func prepare(env: [String: String], home: String) throws(HiveError) -> String? {
        guard env["CLAUDE_CONFIG_DIR"].flatMap({ $0.hasPrefix("/") ? $0 : nil }) == nil else { return nil }
        let home = env["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home
        let folder = home + "/.claude", file = folder + "/.claude.json", source = home + "/.claude.json"
        if Sys.stat(file) != nil { return folder }
        do { try Sys.makeDirectories(folder) } catch { throw error.hive("cannot make \(folder) for the sandbox") }
        try ClaudeTrust.acquire(file + ".lock")
        defer { rmdir(file + ".lock") }
        // Another start made it while this one waited for the lock; none to copy: Claude Code makes it.
        guard Sys.stat(file) == nil, let st = Sys.stat(source) else { return folder }
        guard let bytes = Sys.readFile(source, followLinks: true) else {
            let err = errno
            throw HiveError(.init(rawValue: err), "cannot read \(source) to copy it for the sandbox: \(String(cString: strerror(err)))")
        }
        do {
            try Sys.writeFileAtomically(file, bytes, mode: st.st_mode & 0o7777)
        } catch {
            throw error.hive("cannot write \(file) for the sandbox")
        }
        return folder
    }
}

/// Marks a folder trusted in Claude Code's own configuration file, so that its
/// workspace-trust dialog does not hold the session back: the worktrees hivefs
/// makes, and the folders of sessions with `trust=yes`.
///
/// Decisions:
/// - The file is Claude Code's: `$CLAUDE_CONFIG_DIR/.claude.json`, else
///   `~/.claude.json`. Only `projects[DIR].hasTrustDialogAccepted` is set; every
///   other key, known or not, is kept as it was.
/// - Claude Code rewrites the file often (at every start, and as it runs), taking
///   `FILE.lock` first (a directory, as the `proper-lockfile` package makes it) and
///   reading the file again under it. hivefs takes the same lock, reads, changes and
///   writes under it, so neither loses the other's write. A lock older than
///   `staleAfter` is left by a crash and is taken over, as that package does.
/// - The new file is written beside the old one and renamed over it, with the old
///   file's mode: a reader sees one or the other, whole.
/// - A file that is not a JSON object is not touched: the error says so and the
///   session starts anyway (its dialog then shows, and `approve` answers it).
public enum ClaudeTrust {
    /// How long a lock may stand before it counts as left by a crash (proper-lockfile's default).
    static let staleAfterMS: Int64 = 10_000
    /// How long to wait for a lock held by a live writer.
    static let waitMS: Int64 = 5_000

    /// Claude Code's configuration file for an agent with environment `env`.
    public static func configFile(env: [String: String], home: String) -> String {
        if let dir = env["CLAUDE_CONFIG_DIR"], dir.hasPrefix("/") { return dir + "/.claude.json" }
        return (env["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home) + "/.claude.json"
    }

    /// Whether `file` already says `dir` is trusted.
    public static func isTrusted(_ dir: String, file: String) -> Bool {
        guard let bytes = Sys.readFile(file, followLinks: true),
              let top = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let projects = top["projects"] as? [String: Any], let entry = projects[dir] as? [String: Any] else { return false }
        return entry["hasTrustDialogAccepted"] as? Bool == true
    }

    /// Sets `projects[dir].hasTrustDialogAccepted` in `file`, under Claude Code's lock.
    /// Returns false when it was set already (nothing written).
    @discardableResult
    public static func trust(_ dir: String, file: String) throws(HiveError) -> Bool {
        if isTrusted(dir, file: file) { return false }
        let lock = file + ".lock"
        try acquire(lock)
        defer { rmdir(lock) }
        var top: [String: Any] = [:]
        var mode: mode_t = 0o600
        if let st = Sys.stat(file) {
            mode = st.st_mode & 0o7777
            guard let bytes = Sys.readFile(file, followLinks: true) else {
                throw HiveError(.ioError, "cannot read \(file): \(String(cString: strerror(errno)))")
            }
            if !bytes.isEmpty {
                guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                    throw .invalid("\(file) is not a JSON object; it is left as it is")
                }
                top = object
            }
        }
        var projects = top["projects"] as? [String: Any] ?? [:]
        var entry = projects[dir] as? [String: Any] ?? [:]
        if entry["hasTrustDialogAccepted"] as? Bool == true { return false }
        entry["hasTrustDialogAccepted"] = true
        projects[dir] = entry
        top["projects"] = projects
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: top, options: [.prettyPrinted, .withoutEscapingSlashes])
        } catch {
            throw .io("cannot write \(file) as JSON: \(error)")
        }
        do {
            try Sys.writeFileAtomically(file, Array(data) + [0x0A], mode: mode)
        } catch {
            throw error.hive("cannot write \(file)")
        }
        return true
    }

    /// Takes the lock directory, waiting for a live holder and taking over a stale one.
    static func acquire(_ lock: String) throws(HiveError) {
        let deadline = Sys.monotonicMS() + waitMS
        while true {
            if mkdir(lock, 0o755) == 0 { return }
            let err = errno
            guard err == EEXIST else {
                throw HiveError(.init(rawValue: err), "cannot take \(lock): \(String(cString: strerror(err)))")
            }
            if let st = Sys.stat(lock) {
                let ageMS = Timestamp.now().milliseconds - (Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000)
                if ageMS > staleAfterMS {
                    rmdir(lock)
                    continue
                }
            }
            guard Sys.monotonicMS() < deadline else {
                throw .busy("\(lock) has been held for \(waitMS / 1000) s by another writer")
            }
            Sys.sleep(ms: 20)
        }
    }
}
