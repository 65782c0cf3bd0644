import Foundation
import HiveCore

/// Tokens: the agent's transcripts read as they grow, counted into the session's
/// ledger (`TranscriptLedger`), which is saved so a restarted daemon reads on.
/// On the session's `ingest` queue, like the rest of `Reports`.
extension Reports {
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
        if ledger != start { parts.machines.step(s, .tokens(ledger), .ingest) }
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
            parts.log.warning("\(s.name): transcript.json unreadable (\(error)); counting tokens from the start")
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
            parts.log.error("\(s.name): cannot save transcript.json: \(error)")
        }
    }
}
