import Foundation
import HiveCore

/// The agent's own reports: `hooks.log` (appended by `hivefs-hook`) read into
/// reports for the session's machine, and transcripts counted into tokens
/// (Transcripts.swift). All of it runs on the session's `ingest` queue, in order;
/// inotify says when there is something new, nothing polls.
final class Reports: Sendable {
    let parts: Parts
    var store: StateStore { parts.store }
    var watcher: Watcher { parts.watcher }

    init(_ parts: Parts) { self.parts = parts }

    /// Reads a session's `hooks.log` from where its events stop, and on from there
    /// each time it grows, until `unfollow`.
    func follow(_ s: LiveSession) {
        let path = store.hooksLogPath(s.name)
        guard s.with({ $0.handles.hookWatch == nil }) else { return }
        if let fd = try? Sys.openAppend(path) { try? fd.close() }
        let wd = watcher.watchWrites(path) { [weak self, weak s] in
            guard let self, let s else { return }
            s.ingest.async { self.ingestHooks(s) }
        }
        s.with { $0.handles.hookWatch = wd }
        s.ingest.async { [self] in
            ingestHooks(s)
            readTranscripts(s)
        }
    }

    /// Stops reading a session's reports (before it moves to history).
    func unfollow(_ s: LiveSession) {
        let (wd, tw) = s.with { inside in
            defer { inside.handles.hookWatch = nil; inside.handles.transcriptWatch = nil }
            return (inside.handles.hookWatch, inside.handles.transcriptWatch)
        }
        if let wd { watcher.unwatchWrites(wd) }
        if let tw { watcher.unwatchWrites(tw.wd) }
        s.ingest.sync {
            if s.hookFd >= 0 { Sys.close(s.hookFd); s.hookFd = -1 }
            saveLedger(s)
        }
    }

    // MARK: hooks.log

    /// Turns every complete record after the last one recorded into an event.
    /// Call on `s.ingest`.
    func ingestHooks(_ s: LiveSession) {
        let name = s.name
        if s.hookFd < 0 {
            guard let fd = try? Sys.openRead(store.hooksLogPath(name)) else { return }
            s.hookFd = fd.rawValue
        }
        // Paths are shown relative to where the agent works: its worktree, when it has one.
        let (start, base) = s.with { ($0.machine.record.hookOffset, $0.machine.record.workdir ?? $0.machine.record.spec.dir) }
        var offset = start
        var pending: [UInt8] = []
        var any = false
        while true {
            let chunk: [UInt8]
            do {
                chunk = try Sys.pread(s.hookFd, count: 1 << 20, offset: offset + Int64(pending.count))
            } catch {
                parts.log.error("\(name): cannot read hooks.log: \(error)")
                break
            }
            if chunk.isEmpty { break }
            pending += chunk
            var start = 0
            while let nl = pending[start...].firstIndex(of: 0x0A) {
                let end = offset + Int64(nl + 1)
                record(s, pending[start..<nl], end: end, base: base)
                any = true
                start = nl + 1
            }
            offset += Int64(start)
            pending.removeFirst(start)
        }
        if any { readTranscripts(s) }
    }

    /// One record of `hooks.log`: what it means, told to the session's machine.
    private func record(_ s: LiveSession, _ line: ArraySlice<UInt8>, end: Int64, base: String) {
        // What reading the record needs of the session, in one look.
        let (adapter, known, thread, env) = s.with {
            ($0.machine.adapter, $0.machine.record.transcript, $0.machine.record.agentSession, $0.machine.record.spec.env)
        }
        let time: Timestamp
        let report: AgentReport
        switch HookRecord.parse(line) {
        case .success(let rec):
            time = rec.time
            // A question is told apart from the prompt by the screen, when the record is fresh.
            let fresh = Timestamp.now().milliseconds - rec.time.milliseconds < 2000
            report = adapter.report(rec.payload, ReportContext(base: base) { [tmux = parts.tmux] in fresh ? tmux.capture(s.name) : nil })
            // A new status-line snapshot: its cost, not an event.
            if report.isCostSnapshot { return readStatusLine(s) }
        case .failure(let m):
            time = .now()
            report = .unreadable("a malformed hooks.log line: \(m.reason)", bytes: line.count)
        }
        if let sub = report.subagentTranscript { s.subagentTranscripts.insert(sub) }
        // An agent that names its conversation but not its transcript (Codex): looked up once.
        var found: String?
        if known == nil, report.transcript == nil, let thread = report.agentSession ?? thread,
           let runtime = adapter as? any AgentRuntime {
            found = runtime.transcript(conversation: thread, env: env, parts: parts)
        }
        parts.machines.step(s, .report(report, time: time, hookEnd: end, transcriptFound: found), .ingest)
    }

    /// Takes Claude Code's live total from its latest status-line snapshot.
    func readStatusLine(_ s: LiveSession) {
        guard let bytes = Sys.readFile(store.statusLinePath(s.name)), let usd = ClaudeSettings.statusCost(bytes) else { return }
        parts.machines.step(s, .agentCost(usd), .ingest)
    }
}
