import Foundation
import HiveCore

/// The agent's own reports: `hooks.log` (appended by `hivefs-hook`) turned into
/// events, transcripts turned into token counts, and the screen consulted when a
/// report that should have come did not. All of it runs on the session's `ingest`
/// queue, in order; inotify says when there is something new, nothing polls.
extension Hive {
    /// Reads a session's `hooks.log` from where its events stop, and on from there
    /// each time it grows, until `unfollow`.
    func follow(_ s: LiveSession) {
        let path = store.hooksLogPath(s.name)
        lock.lock(); let has = s.hookWatch != nil; lock.unlock()
        guard !has else { return }
        if let fd = try? Sys.openAppend(path) { try? fd.close() }
        let wd = watcher.watchWrites(path) { [weak self, weak s] in
            guard let self, let s else { return }
            s.ingest.async { self.ingestHooks(s) }
        }
        lock.lock(); s.hookWatch = wd; lock.unlock()
        s.ingest.async { [self] in
            ingestHooks(s)
            readTranscripts(s)
        }
    }

    /// Stops reading a session's reports (before it moves to history).
    func unfollow(_ s: LiveSession) {
        lock.lock()
        let wd = s.hookWatch, tw = s.transcriptWatch
        s.hookWatch = nil
        s.transcriptWatch = nil
        lock.unlock()
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
        lock.lock(); var offset = s.record.hookOffset; let base = s.record.workdir ?? s.record.spec.dir; lock.unlock()
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

    /// One record of `hooks.log`: its event, and the state it leads to.
    private func record(_ s: LiveSession, _ line: ArraySlice<UInt8>, end: Int64, base: String) {
        let time: Timestamp
        let report: AgentReport
        switch HookRecord.parse(line) {
        case .success(let rec):
            time = rec.time
            lock.lock(); let adapter = s.adapter; lock.unlock()
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
        if report.mayChangeFiles { gitChanged(s) }
        emit(s) { r in
            var e = Event(time: time, session: r.name, kind: report.kind, detail: report.detail)
            e.hook = end
            e.tool = report.tool
            e.action = report.touch?.action
            e.path = report.touch?.path
            e.model = report.model
            e.message = report.message
            if let v = report.agentSession, v != r.agentSession { e.agentSession = v }
            if let v = report.transcript, v != r.transcript { e.transcript = v }
            // Codex says which thread, not where its rollout is: that is looked up once.
            if r.transcript == nil, e.transcript == nil, let thread = report.agentSession ?? r.agentSession,
               let runtime = s.adapter as? any AgentRuntime,
               let found = runtime.transcript(conversation: thread, env: r.spec.env, hive: self) {
                e.transcript = found
            }
            if let wish = report.wish {
                if r.state == .paused {
                    // Recorded before the freeze, read after it: where resume returns to.
                    lock.lock(); s.beforePause = wish.state; lock.unlock()
                } else if let (state, reason) = wish.next(from: r.state, reason: r.reason) {
                    e.state = state
                    e.reason = reason
                }
            }
            return e
        }
        // A report that the agent waits (a PermissionRequest): its menu is drawn next.
        lock.lock(); let unknownQuestion = s.record.state == .waiting && s.record.permission == nil; lock.unlock()
        if unknownQuestion { watchForQuestion(s) }
    }

    /// Takes Claude Code's live total from its latest status-line snapshot.
    func readStatusLine(_ s: LiveSession) {
        guard let bytes = Sys.readFile(store.statusLinePath(s.name)), let usd = ClaudeSettings.statusCost(bytes) else { return }
        lock.lock()
        let changed = s.ledger.agentCostUSD != usd
        if changed { s.ledger.noteAgentTotal(usd); s.record.version &+= 1 }
        lock.unlock()
        guard changed else { return }
        onChange?(s.name)
        scheduleLedgerSave(s)
        enforceBudget(s)
    }

    // MARK: transcripts

    /// Counts what the agent's transcripts gained since the last read: the main
    /// one and its subagents'. Call on `s.ingest`.
    func readTranscripts(_ s: LiveSession) {
        lock.lock(); let main = s.record.transcript; let format = s.adapter.transcript; lock.unlock()
        guard let format, let main else { return }
        var files = [main]
        if format == .claude {
            let folder = ClaudePaths.subagentsFolder(transcript: main)
            files += Sys.listDirectory(folder).filter { $0.hasSuffix(".jsonl") }.map { folder + "/" + $0 }
            files += s.subagentTranscripts.sorted().filter { !files.contains($0) }
        }
        lock.lock(); var ledger = s.ledger; lock.unlock()
        let before = ledger
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
        guard ledger != before else { return }
        lock.lock(); s.ledger = ledger; s.record.version &+= 1; lock.unlock()
        onChange?(s.name)
        scheduleLedgerSave(s)
        enforceBudget(s)
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
        lock.lock(); let current = s.transcriptWatch; lock.unlock()
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
        lock.lock(); s.transcriptWatch = wd.map { (key, $0) }; lock.unlock()
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
            lock.lock(); s.ledger = ledger; lock.unlock()
        } catch {
            log.warning("\(s.name): transcript.json unreadable (\(error)); counting tokens from the start")
        }
    }

    private func scheduleLedgerSave(_ s: LiveSession) {
        lock.lock()
        if s.checkpointPending { lock.unlock(); return }
        s.checkpointPending = true
        lock.unlock()
        // Reading again from an older checkpoint counts nothing twice, so this only
        // bounds what a restarted daemon reads again; the file can be large.
        watcher.after(ms: 5000) { [weak self, weak s] in
            guard let self, let s else { return }
            s.ingest.async { self.saveLedger(s) }
        }
    }

    func saveLedger(_ s: LiveSession) {
        lock.lock(); s.checkpointPending = false; let ledger = s.ledger; let counts = s.adapter.transcript != nil; lock.unlock()
        guard counts, ledger != TranscriptLedger() else { return }
        do {
            let data = try JSONEncoder().encode(ledger)
            try Sys.writeFileAtomically(store.ledgerPath(s.name), Array(data))
        } catch {
            log.error("\(s.name): cannot save transcript.json: \(error)")
        }
    }

    // MARK: the screen

    /// Compares the state the reports gave with what the terminal shows, once it
    /// has been quiet: a turn interrupted (no Stop hook), a permission prompt
    /// dismissed with Escape (no hook), a trust dialog (hooks held back).
    func reconcileWithScreen(_ s: LiveSession) {
        lock.lock(); let version = s.record.version; let state = s.record.state; lock.unlock()
        guard [.starting, .working, .waiting].contains(state), let text = tmux.capture(s.name) else { return }
        lock.lock(); let told = s.toldRefusedSettings; let before = s.hooksAtLaunch; let adapter = s.adapter; lock.unlock()
        if !told, let detail = adapter.refusedReports(text) {
            lock.lock(); s.toldRefusedSettings = true; lock.unlock()
            emit(s) { r in
                // Reports since the start show the hooks work; only a refusal before any is news.
                r.hookOffset == before ? Event(session: r.name, kind: AgentEventKind.hooksRefused, detail: detail) : nil
            }
        }
        // A question the screen shows is recorded with its options (`permission`).
        if noteQuestion(s, screen: text) { return }
        let seen = adapter.screen(text)
        emit(s) { r in
            guard r.version == version else { return nil }  // a report came meanwhile; it knows better
            let target: SessionState
            let detail: String
            switch seen {
            case .unknown:
                return nil
            case .trustDialog, .menu:
                guard r.state != .waiting else { return nil }
                target = .waiting
                detail = "waiting: " + (seen.reason ?? "")
            case .busy:
                guard r.state != .working else { return nil }
                target = .working
                detail = "working: the screen shows a turn running"
            case .prompt:
                target = .idle
                detail = "idle: the screen shows the prompt (no report ended the \(r.state == .waiting ? "wait" : "turn"))"
            }
            var e = Event(session: r.name, kind: AgentEventKind.screen, detail: detail, state: target)
            e.reason = seen.reason
            return e
        }
    }
}
