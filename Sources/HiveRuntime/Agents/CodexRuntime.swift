import Foundation
import HiveCore

/// What Codex CLI needs of the machine: its thread's rollout found under
/// `$CODEX_HOME/sessions`, and, while its terminal prints, its open files and
/// terminal title read for the thread and for a turn running.
extension CodexAgent: AgentRuntime {
    /// A thread it reported goes on (`codex resume ID`).
    func prepare(_ parts: Parts, _ s: LiveSession, _ plan: inout LaunchPlan) throws(HiveError) {
        plan.launch.resume = plan.launch.conversation != nil
        // A fork's first start: `codex fork PARENT`, whose new thread is found as any other.
        if !plan.launch.resume, !plan.launch.ranBefore { plan.launch.forkFrom = plan.record.forkedFrom?.conversation }
    }

    /// Its home (`$CODEX_HOME`, else `~/.codex`): configuration, rollouts, logs.
    func sandboxWrites(env: [String: String], home: String) -> [String] {
        [Self.codexHome(env: env, home: home)]
    }

    /// Its configuration (`notify`, MCP servers, profiles), the `.env` it loads at
    /// start, instructions, prompts, exec-policy rules and skills.
    func sandboxProtects(env: [String: String], home: String) -> [ProtectedPath] {
        let folder = Self.codexHome(env: env, home: home)
        return [.file(folder + "/config.toml"), .file(folder + "/.env"), .file(folder + "/AGENTS.md"),
                .file(folder + "/AGENTS.override.md")]
            + ["prompts", "rules", "skills"].map { .folder(folder + "/" + $0) }
    }

    static func codexHome(env: [String: String], home: String) -> String {
        env["CODEX_HOME"] ?? (env["HOME"] ?? home) + "/.codex"
    }

    /// The rollout of thread `id`: under `$CODEX_HOME/sessions/YYYY/MM/DD/`
    /// (`CODEX_HOME` from the session's environment, then hivefs's, else
    /// `~/.codex`), newest days first. Nil until Codex has written it.
    func transcript(conversation id: String, env: [String: String], parts: Parts) -> String? {
        let home = env["CODEX_HOME"] ?? ProcessInfo.processInfo.environment["CODEX_HOME"] ?? parts.config.home + "/.codex"
        let sessions = CodexPaths.sessionsFolder(codexHome: home)
        for year in Sys.listDirectory(sessions).reversed() {
            for month in Sys.listDirectory(sessions + "/" + year).reversed() {
                for day in Sys.listDirectory(sessions + "/" + year + "/" + month).reversed() {
                    let folder = [sessions, year, month, day].joined(separator: "/")
                    if let name = Sys.listDirectory(folder).first(where: { CodexPaths.isRollout($0, of: id) }) {
                        return folder + "/" + name
                    }
                }
            }
        }
        return nil
    }

    var watchesWhilePrinting: Bool { true }

    /// Codex reports only a turn's end, and its terminal prints all through a turn,
    /// so the quiet check would never look at it then. While the terminal prints,
    /// this looks for the thread (`findThread`) until it is known, and while the
    /// session is `starting` or `idle`, reads the terminal's title and screen for a
    /// turn running (`CodexScreen`), which makes it `working`.
    func whilePrinting(_ parts: Parts, _ s: LiveSession) {
        findThread(parts, s)
        let (state, version) = s.with { ($0.machine.record.state, $0.machine.record.version) }
        guard state == .starting || state == .idle else { return }
        let title = parts.tmux.run(["display-message", "-p", "-t", Tmux.target(s.name), "#{pane_title}"])
        guard title.ok, let screen = parts.tmux.capture(s.name),
              CodexScreen.busy(title: title.stdout.trimmingWhitespace(), screen: screen) else { return }
        parts.machines.step(s, .turnRunning(version: version), .ingest)
    }

    /// Codex keeps its thread's rollout open from the thread's first turn on, so the
    /// agent's open files name the thread before any notification does (a first
    /// turn cut short sends none): the thread and its rollout are taken from there,
    /// and its tokens are counted while the turn runs.
    private func findThread(_ parts: Parts, _ s: LiveSession) {
        let r = s.record
        let known = r.agentSession, transcript = r.transcript, pid = r.pid, live = r.state.isLive
        guard live, known == nil || transcript == nil, let pid, let (path, thread) = CodexAgent.openRollout(pid: pid),
              known == nil || known == thread else { return }
        parts.machines.step(s, .conversation(thread, transcript: path), .ingest)
        parts.machines.readTranscripts(s)
    }

    /// The rollout among the open files of process `pid`, or of its descendants
    /// (in a sandbox, `pid` is bubblewrap's and Codex its child), and its thread.
    static func openRollout(pid: pid_t) -> (path: String, thread: String)? {
        func open(_ pid: pid_t) -> (path: String, thread: String)? {
            let fds = "/proc/\(pid)/fd"
            for fd in Sys.listDirectory(fds) {
                if let target = Sys.linkTarget(fds + "/" + fd), let thread = CodexPaths.thread(ofRollout: target) { return (target, thread) }
            }
            return nil
        }
        if let found = open(pid) { return found }
        for p in ProcessTree.members(ProcessTree.Scope(root: pid, leader: nil)) where p.pid != pid {
            if let found = open(p.pid) { return found }
        }
        return nil
    }
}
