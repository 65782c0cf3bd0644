import Foundation
import HiveCore

/// The agent's own reports: `hooks.log` (appended by `hivefs-hook`) read into
/// reports for the session's machine, and transcripts counted into tokens. All of it
/// runs on the session's `ingest` queue, in order; inotify says when there is
/// something new, nothing polls.
extension Hive {
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
                log.error("\(name): cannot read hooks.log: \(error)")
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
            report = adapter.report(rec.payload, ReportContext(base: base) { [tmux] in fresh ? tmux.capture(s.name) : nil })
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
            found = runtime.transcript(conversation: thread, env: env, hive: self)
        }
        step(s, .report(report, time: time, hookEnd: end, transcriptFound: found), .ingest)
    }

    /// Takes Claude Code's live total from its latest status-line snapshot.
    func readStatusLine(_ s: LiveSession) {
        guard let bytes = Sys.readFile(store.statusLinePath(s.name)), let usd = ClaudeSettings.statusCost(bytes) else { return }
        step(s, .agentCost(usd), .ingest)
    }

    // MARK: transcripts

    /// Counts what the agent's transcripts gained since the last read: the main
    /// one and its subagents'. Call on `s.ingest`.
    func readTranscripts(_ s: LiveSession) {
        let (main, adapter, start) = s.with { ($0.machine.record.transcript, $0.machine.adapter, $0.machine.ledger) }
        guard let format = adapter.transcript, let main else { return }
        var files = [main]
        // Transcripts of the agent's own beside the main one (Claude Code's subagents').
        if let runtime = adapter as? any AgentRuntime {
            files += runtime.moreTranscripts(main: main, reported: s.subagentTranscripts).filter { !files.contains($0) }
        }
        var ledger = start
        for file in files {
            guard let st = Sys.stat(file) else { continue }
            let size = Int64(st.st_size)
            guard size > ledger.offset(file), let fd = try? Sys.openRead(file, followLinks: true) else { continue }
            defer { try? fd.close() }
            var carry: [UInt8] = []
            while ledger.offset(file) + Int64(carry.count) < size {
                guard let chunk = try? Sys.pread(fd.rawValue, count: 1 << 20, offset: ledger.offset(file) + Int64(carry.count)),
                      !chunk.isEmpty else { break }
                carry += chunk
                let used = ledger.consume(carry[...], file: file, format: format)
                carry.removeFirst(used)
            }
        }
        watchTranscript(s, main)
        // Only this queue changes the ledger: nothing counted meanwhile is lost.
        if ledger != start { step(s, .tokens(ledger), .ingest) }
    }

    /// Reads the transcript again whenever it grows (its last lines come after the last
    /// hook). Before it exists (Claude Code makes it with the first message, and its
    /// folder with the first session in a directory), the nearest folder that exists
    /// is watched for the next step of its path instead.
    private func watchTranscript(_ s: LiveSession, _ path: String) {
        var target = path
        var watchFile = true
        while Sys.stat(target) == nil {
            guard let slash = target.lastIndex(of: "/"), slash != target.startIndex else { return }
            let parent = String(target[..<slash])
            if Sys.stat(parent) != nil { watchFile = false; break }
            target = parent
        }
        let key = (watchFile ? "file:" : "dir:") + target
        let current = s.with { $0.handles.transcriptWatch }
        guard current?.path != key else { return }
        if let current { watcher.unwatchWrites(current.wd) }
        let again: @Sendable () -> Void = { [weak self, weak s] in
            guard let self, let s else { return }
            s.ingest.async { self.readTranscripts(s) }
        }
        let wd: Int32?
        if watchFile {
            wd = watcher.watchWrites(target, again)
        } else {
            let slash = target.lastIndex(of: "/") ?? target.startIndex
            wd = watcher.watchNames(in: String(target[..<slash]), [String(target[target.index(after: slash)...])], again)
        }
        s.with { $0.handles.transcriptWatch = wd.map { (key, $0) } }
        // What appeared or was written between looking and watching would go unseen: look once more.
        again()
    }

    /// Where counting stood, so a restarted daemon reads on rather than again.
    /// Call before the session is shown, so its tokens never read as 0 meanwhile.
    func loadLedger(_ s: LiveSession) {
        guard s.adapter.transcript != nil else { return }
        guard let bytes = Sys.readFile(store.ledgerPath(s.name)), !bytes.isEmpty else { return }
        do {
            let ledger = try JSONDecoder().decode(TranscriptLedger.self, from: Data(bytes))
            s.with { $0.machine.restore(ledger: ledger) }
        } catch {
            log.warning("\(s.name): transcript.json unreadable (\(error)); counting tokens from the start")
        }
    }

    func saveLedger(_ s: LiveSession) {
        let (ledger, counts) = s.with { inside in
            inside.machine.ledgerSaved()
            return (inside.machine.ledger, inside.machine.adapter.transcript != nil)
        }
        guard counts, ledger != TranscriptLedger() else { return }
        do {
            let data = try JSONEncoder().encode(ledger)
            try Sys.writeFileAtomically(store.ledgerPath(s.name), Array(data))
        } catch {
            log.error("\(s.name): cannot save transcript.json: \(error)")
        }
    }
}
