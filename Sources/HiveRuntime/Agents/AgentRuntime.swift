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

    /// What, inside those, every session of the agent runs or follows, sandboxed or
    /// not (its settings with their hooks, its instructions, its commands): kept
    /// read-only in a sandbox, so that one session cannot plant a command another
    /// runs outside it. Made if missing (an empty folder, or a file with `seed`), so
    /// that it can be bound.
    func sandboxProtects(env: [String: String], home: String) -> [ProtectedPath]

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
    func sandboxProtects(env: [String: String], home: String) -> [ProtectedPath] { [] }
    var watchesWhilePrinting: Bool { false }
    func whilePrinting(_ parts: Parts, _ s: LiveSession) {}
}

/// A path a sandbox keeps read-only inside an agent's writable folder.
struct ProtectedPath: Sendable, Equatable {
    var path: String
    /// A folder, else a file.
    var folder: Bool
    /// What a missing file is made with: valid and empty for its format (`{}` for JSON).
    var seed = ""

    static func folder(_ path: String) -> ProtectedPath { ProtectedPath(path: path, folder: true) }
    static func file(_ path: String, seed: String = "") -> ProtectedPath { ProtectedPath(path: path, folder: false, seed: seed) }
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
