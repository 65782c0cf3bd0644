import Foundation
import HiveCore
import SystemPackage

/// `fork NEW [KEY=VALUE…]` (a session's control) and `new NEW from=NAME …` (the
/// root's): a new session that starts from the parent's point.
///
/// Decisions, stated once:
/// - The new session has the parent's spec, changed by the words given, with no
///   prompt of its own unless given (the conversation it carries had the parent's),
///   and a worktree of its own on a new branch (`hive/NEW` unless named) whenever the
///   parent works in a repository, made at the parent's HEAD: that fork point is its
///   `base` (what `diff` and `git` compare with), while `merge` takes it by default
///   where the parent's would go (the parent's base branch).
/// - It carries the parent's uncommitted work (`ForkCopy`: changed tracked files and
///   untracked ones) and its agent's conversation: Claude Code and Codex fork their
///   own (`--resume ID --fork-session`, `codex fork ID`), Aider restores a copy of its
///   chat history, a shell has none. An agent whose conversation hivefs cannot fork
///   (Gemini CLI, Cursor's agent, a defined agent with a `resume` line) is refused
///   with ENOTSUP once it has run; never started, there is nothing to carry.
/// - A running parent is held still (`Processes.holdStill`) only while its work tree
///   and its transcript are copied; its state is not changed, and no pause is recorded.
/// - Both logs record a `fork` event with the same `ForkPoint`; the new session's
///   record keeps it, so its first start forks the conversation even after a restart.
/// - It runs on the parent's queue: nothing else acts on the parent meanwhile. The new
///   session is started on its own queue afterwards.
/// - What fails after the new session was made leaves it `failed`, with the reason,
///   for the user to read and `rmdir`; the parent is never changed.
extension Hive {
    /// Makes `name` from `parent`'s point; returns it, ready to start, or the refusal.
    /// On the parent's queue.
    func fork(_ parent: LiveSession, name: String, settings: [String], uid: UInt32) -> Result<LiveSession, HiveError> {
        let record = parent.record
        let adapter = parent.adapter
        let spec: SessionSpec
        var conversation: String?
        do throws(HiveError) {
            try SessionName.validate(name)
            var base = record.spec
            base.prompt = ""
            // A fork's branch is its own: the parent's named branch is the parent's.
            if base.wantsWorktree { base.worktree = "yes" }
            let given = try base.applying(settings, home: config.home, agents: agents())
            try checkNew(name, given)
            let ran = record.started != nil
            switch adapter.forks {
            case .unsupported(let why) where ran:
                throw .unsupported("cannot fork \(record.name)'s conversation: \(why)")
            case .native where ran, .history where ran:
                guard let c = record.agentSession ?? (adapter.forks == .history ? record.name : nil) else {
                    throw .notFound("\(record.name) has no conversation to fork yet (its agent has reported none)")
                }
                conversation = c
            default:
                break
            }
            spec = given
        } catch {
            return .failure(error)
        }
        let git = processes.worktrees.git
        let dir = record.spec.dir.isEmpty ? config.home : record.spec.dir
        // Where the parent works: its worktree, or the repository its dir is in.
        let top: String? = record.worktree ?? record.repo ?? {
            if case .workTree(let t) = git.place(dir) { return t }
            return nil
        }()
        var forkSpec = spec
        if top != nil, !forkSpec.wantsWorktree { forkSpec.worktree = "yes" }
        if top == nil { forkSpec.worktree = "no" }
        let child: LiveSession
        do throws(HiveError) {
            child = try create(name, spec: forkSpec, uid: uid, origin: "forked from \(record.name)")
        } catch {
            return .failure(error)
        }
        // Taken with the parent held still: its changes, and its conversation's copy.
        let stage = store.sessionDir(name) + "/fork.untracked"
        defer {
            unlink(store.sessionDir(name) + "/fork.patch")
            try? FileManager.default.removeItem(atPath: stage)
        }
        var copy: ForkCopy?
        var conversationCopy: String?
        var transcriptBytes: [UInt8]?
        var failure: HiveError?
        let held = processes.holdStill(parent) {
            do throws(HiveError) {
                // A parent whose worktree is not made yet has no work of its own: its fork starts at HEAD.
                let carry = record.worktree != nil || !record.spec.wantsWorktree
                if let top {
                    do throws(Errno) { try Sys.makeDirectories(stage) } catch { throw error.hive("cannot make \(stage)") }
                    copy = try ForkCopy.take(git, top: top, patchFile: store.sessionDir(name) + "/fork.patch", stage: stage, carry: carry)
                }
                if conversation != nil {
                    conversationCopy = try copyConversation(record, adapter: adapter, into: name)
                    // Codex's rollout is not copied (Codex forks it itself): its totals now are read.
                    if conversationCopy == nil { transcriptBytes = record.transcript.flatMap { Sys.readFile($0, limit: Int.max, followLinks: true) } }
                }
            } catch {
                failure = error
            }
        }
        func fail(_ e: HiveError) -> Result<LiveSession, HiveError> {
            step(child, .launchFailed("fork from \(record.name): \(e.reason)"))
            return .failure(HiveError(e.errno, "\(name) was made but could not be forked from \(record.name): \(e.reason)"))
        }
        if let failure { return fail(failure) }
        // The forked transcript begins with the parent's conversation (Claude Code's
        // copies of its messages, Codex's running totals): known, and not counted again.
        let claudeCopy = adapter.name == .claude ? conversationCopy.flatMap { Sys.readFile($0, limit: Int.max) } : nil
        if let bytes = transcriptBytes ?? claudeCopy, let format = adapter.transcript {
            var seen = TranscriptLedger()
            seen.consume(bytes[...], file: "parent", format: format)
            // On its ingest queue, which alone changes a ledger (it reads nothing yet).
            child.ingest.sync {
                child.with { $0.machine.restore(ledger: TranscriptLedger(inheriting: seen)) }
                reports.saveLedger(child)
            }
        }
        if let copy {
            var made = child.record
            made.spec = forkSpec
            switch processes.worktrees.workplace(made, dir: dir, base: copy.head) {
            case .success(let w):
                if var e = w.made {
                    // Its base is the fork point; it merges where its parent would.
                    if let parentTarget = record.baseBranch { e.baseBranch = parentTarget }
                    step(child, .record(e, durable: true))
                }
            case .failure(let e):
                return fail(e)
            }
            guard let worktree = child.record.worktree else { return fail(.io("no worktree was made for \(name)")) }
            do throws(HiveError) { try copy.apply(git, into: worktree) } catch { return fail(error) }
        }
        let snapshot = adapter.name == .claude && conversationCopy != nil ? UUID().uuidString.lowercased() : nil
        let point = ForkPoint(parent: record.name, child: name, commit: copy?.head, carried: copy?.count ?? 0,
                              conversation: conversation, copy: conversationCopy, snapshot: snapshot)
        var what: [String] = []
        if let c = copy {
            what.append("at \(c.head.prefix(7))")
            what.append(c.count == 0 ? "no uncommitted change" : "\(c.count) uncommitted file\(c.count == 1 ? "" : "s") carried")
        } else {
            what.append("no repository: it works in \(dir) as its parent does")
        }
        if let conversation { what.append("conversation \(conversation) forked") }
        if let held { what.append(held) }
        var mine = Event(session: name, kind: EventKind.fork, detail: "from \(record.name) " + what.joined(separator: "; "), uid: uid)
        mine.fork = point
        step(child, .record(mine, durable: true))
        var theirs = Event(session: record.name, kind: EventKind.fork, detail: "to \(name) " + what.joined(separator: "; "), uid: uid)
        theirs.fork = point
        step(parent, .record(theirs, durable: true))
        return .success(child)
    }

    /// Copies what holds the parent's conversation into the new session's folder:
    /// Claude Code's transcript (placed where the new agent looks at its start), Aider's
    /// chat history (where the new session's is kept). Codex keeps its threads itself.
    private func copyConversation(_ r: SessionRecord, adapter: any AgentAdapter, into name: String) throws(HiveError) -> String? {
        let source: String?, target: String
        switch adapter.name {
        case .claude:
            source = r.transcript
            target = store.sessionDir(name) + "/fork.transcript.jsonl"
        case .aider:
            source = store.aiderHistoryPath(r.name)
            target = store.aiderHistoryPath(name)
        default:
            return nil
        }
        guard let source, Sys.stat(source) != nil else {
            throw .notFound("\(r.name)'s conversation has no \(adapter.name == .claude ? "transcript" : "chat history") to copy yet")
        }
        do throws(Errno) { try Sys.copyFile(source, to: target, followLinks: true) } catch {
            throw error.hive("cannot copy \(source) to \(target)")
        }
        return target
    }
}
