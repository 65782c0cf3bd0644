import Foundation
import HiveCore

/// What an agent needs of the machine besides its adapter: files written before it
/// starts, lookups of its own files, a look at its processes. An agent that needs
/// none of it has no runtime file; one that does conforms here, in one file of its
/// own (`extension ClaudeAgent: AgentRuntime`), and is found by a cast: the
/// catalog's list stays the one list.
protocol AgentRuntime: AgentAdapter {
    /// Refuses a spec that cannot run for who runs hivefs (not a matter of the spec alone).
    func checkLaunchable(_ spec: SessionSpec) throws(HiveError)

    /// Writes what the agent reads at start and fills in `plan`; runs on the session's
    /// queue, before the agent's command line is made.
    func prepare(_ parts: Parts, _ s: LiveSession, _ plan: inout LaunchPlan) throws(HiveError)

    /// Where the transcript of `conversation` is, once the agent reports the
    /// conversation but not its file (Codex's rollout); nil until it exists.
    func transcript(conversation: String, env: [String: String], parts: Parts) -> String?

    /// Transcripts whose tokens count beside the main one: those the agent keeps
    /// beside it, and those its reports named (`reported`).
    func moreTranscripts(main: String, reported: Set<String>) -> [String]

    /// What the agent writes outside its folder, which a sandbox must leave writable:
    /// its configuration and transcripts. `env` is its environment as it will run.
    func sandboxWrites(env: [String: String], home: String) -> [String]

    /// Whether `whilePrinting` does anything.
    var watchesWhilePrinting: Bool { get }

    /// Looks at a live agent while its terminal prints (the quiet check calls it at
    /// most once per quiet-after); on the session's `ingest` queue.
    func whilePrinting(_ parts: Parts, _ s: LiveSession)
}

extension AgentRuntime {
    func checkLaunchable(_ spec: SessionSpec) throws(HiveError) {}
    func prepare(_ parts: Parts, _ s: LiveSession, _ plan: inout LaunchPlan) throws(HiveError) {}
    func transcript(conversation: String, env: [String: String], parts: Parts) -> String? { nil }
    func moreTranscripts(main: String, reported: Set<String>) -> [String] { [] }
    func sandboxWrites(env: [String: String], home: String) -> [String] { [] }
    var watchesWhilePrinting: Bool { false }
    func whilePrinting(_ parts: Parts, _ s: LiveSession) {}
}

/// An agent's start as it is being prepared: what its adapter is given, what the
/// `starting` event records.
struct LaunchPlan {
    let name: String
    let spec: SessionSpec
    /// Where the agent runs: the worktree's folder, or `dir`.
    let workdir: String
    /// The record as it was before this start.
    let record: SessionRecord
    var launch: AgentLaunch
    /// The agent's environment variables beyond the daemon's (the spec's `env.` and hivefs's).
    var env: [String: String]
    /// Words added to the `starting` event's detail (`session ID (claude 2.1.3)`).
    var detail = ""
    /// The conversation and transcript the `starting` event records.
    var agentSession: String?
    var transcript: String?
    /// Files in the state directory the agent's hooks write, writable in a sandbox.
    var hookFiles: [String] = []
}
