import Foundation
import HiveCore

/// The questions agents ask (`permission`, `permission.json`) and their answers
/// (`approve`, `deny`, `answer`).
///
/// Who does what: the screen is read on the session's `ingest` queue (where the
/// other screen checks run) and a question seen there is recorded as a
/// `permission.asked` event; answers run on the session's `queue`, like every
/// control write. Both go through `emit`, whose per-session lock orders them.
extension Hive {
    /// How long after a question was first seen its keys may be pressed: Claude Code
    /// 2.1.337 drops keys that come within about 0.1 s of drawing a menu.
    static let answerAfterMS: Int64 = 200

    /// How often the screen of a session that waits is read while its question is
    /// not known yet (a menu is drawn a moment after the hook that announces it).
    static let questionPollMS = 300

    /// Compares the question on the screen with the one recorded: a new question is
    /// recorded (`waiting`, with a new id), one that left the screen is closed.
    /// Returns whether the screen shows a question.
    @discardableResult
    func noteQuestion(_ s: LiveSession, screen: String) -> Bool {
        lock.lock(); let adapter = s.adapter; lock.unlock()
        let seen = adapter.question(on: screen)
        emit(s, durable: true) { r in
            guard r.state.isLive, r.state != .paused else { return nil }
            if let seen {
                if let known = r.permission, known.sameQuestion(seen.permission(id: known.id, tool: nil, subject: nil)) {
                    return nil
                }
                // The tool and its target from the hook that announced it (`Bash ls -l`).
                let announced = r.tool.map { t -> (String, String?) in
                    let words = t.split(separator: " ", maxSplits: 1).map(String.init)
                    return (words[0], words.count > 1 ? words[1] : nil)
                }
                let p = seen.permission(id: (r.lastPermissionID ?? 0) + 1, tool: seen.kind == .tool ? announced?.0 : nil,
                                        subject: seen.kind == .tool ? announced?.1 : nil)
                lock.lock(); s.questionSeenMS = Sys.monotonicMS(); lock.unlock()
                var e = Event(session: r.name, kind: PermissionEventKind.asked,
                              detail: "\(p.id) \(p.kind.rawValue): \(p.question)", state: .waiting, reason: p.reason)
                e.permission = p
                return e
            }
            guard let known = r.permission else { return nil }
            var e = Event(session: r.name, kind: PermissionEventKind.gone, detail: "\(known.id) left the screen unanswered")
            e.permission = known
            return e
        }
        return seen != nil
    }

    /// Reads the screen of a session that waits until its question is known (or it
    /// stops waiting), a few times a second: the terminal of an agent at a menu is
    /// seldom quiet (Claude Code redraws its menu), so the quiet check cannot do it.
    func watchForQuestion(_ s: LiveSession) {
        lock.lock()
        if s.questionWatchPending { lock.unlock(); return }
        s.questionWatchPending = true
        lock.unlock()
        pollQuestion(s, tries: 40)
    }

    private func pollQuestion(_ s: LiveSession, tries: Int) {
        watcher.after(ms: Hive.questionPollMS) { [weak self, weak s] in
            guard let self, let s else { return }
            s.ingest.async {
                self.lock.lock()
                let r = s.record
                let goOn = r.state == .waiting && r.permission == nil && tries > 0
                if !goOn { s.questionWatchPending = false }
                self.lock.unlock()
                guard goOn else { return }
                if let text = self.tmux.capture(s.name), self.noteQuestion(s, screen: text) {
                    self.lock.lock(); s.questionWatchPending = false; self.lock.unlock()
                    return
                }
                self.pollQuestion(s, tries: tries - 1)
            }
        }
    }

    /// `approve [ID]`, `deny [ID]`, `answer ID N`: checks the id against the question
    /// recorded and the screen, then presses that option's keys. Nothing is pressed
    /// when either check fails.
    func answer(_ s: LiveSession, _ c: SessionCommand) throws(HiveError) {
        lock.lock(); let r = s.record; let adapter = s.adapter; lock.unlock()
        let given: Int?
        switch c {
        case .approve(let id), .deny(let id): given = id
        case .answer(let id, _): given = id
        default: return
        }
        guard let known = r.permission else {
            if let given, given <= r.lastPermissionID ?? 0 { throw .stale("question \(given) is over; nothing waits for an answer now") }
            throw .noQuestion("\(r.name) waits for no answer (permission is empty)")
        }
        if let given, given != known.id {
            if given < known.id { throw .stale("question \(given) is over; the question now is \(known.id)") }
            throw .invalid("no question \(given) has been asked; the question now is \(known.id)")
        }
        let choice: Int
        switch c {
        case .approve:
            guard let a = known.approve else { throw .invalid("question \(known.id) has no yes option; use answer \(known.id) N") }
            choice = a
        case .deny:
            guard let d = known.deny else { throw .invalid("question \(known.id) has no no option; use answer \(known.id) N") }
            choice = d
        case .answer(_, let n):
            guard n <= known.options.count else {
                throw .range("question \(known.id) has \(known.options.count) options; there is no option \(n)")
            }
            choice = n - 1
        default: return
        }
        // The screen must still show this question, with the focus where it is now.
        guard let text = tmux.capture(s.name) else { throw .notRunning("\(r.name)'s terminal is gone") }
        guard let seen = adapter.question(on: text),
              known.sameQuestion(seen.permission(id: known.id, tool: nil, subject: nil)) else {
            s.ingest.async { [self] in noteQuestion(s, screen: text) }
            throw .stale("question \(known.id) is no longer on \(r.name)'s screen; read permission again")
        }
        var current = known
        current.focus = seen.focus
        lock.lock(); let seenAt = s.questionSeenMS; lock.unlock()
        let wait = seenAt + Hive.answerAfterMS - Sys.monotonicMS()
        if wait > 0 { Sys.sleep(ms: Int(wait)) }
        try tmux.sendKeys(s.name, current.keys(choosing: choice))
        var e = Event(session: r.name, kind: PermissionEventKind.answered,
                      detail: "\(known.id) \(choice + 1): \(known.options[choice].label)", state: .working)
        e.permission = known
        emit(s, e, durable: true)
        // What the agent does next is read from its reports and its screen.
        scheduleQuietCheck(s, afterMS: config.quietAfterMS)
    }
}
