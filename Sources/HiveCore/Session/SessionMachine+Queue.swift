/// The queue of prompts (`queue`, decisions in PromptQueue.swift): what a write adds,
/// what `queue clear` drops, and delivery, one prompt a turn.
///
/// Delivery is checked after every input (`handle`), so every way a session comes to
/// take a prompt delivers the next one: a prompt added while idle, a turn's end, a
/// `resume` back to idle, an agent idle after `starting`, a daemon adopting an idle
/// agent. `waiting`, `paused`, `new` and the ended states hold the queue.
extension SessionMachine {
    /// Adds a write's prompts, each a `queue.added` event; ENOSPC past the capacity.
    /// The last is fsync'd, so a write that succeeded is on disk.
    mutating func enqueue(_ prompts: [String], uid: UInt32, _ out: inout Effects) {
        do throws(HiveError) {
            try PromptQueue.checkRoom(pending: record.queue.count, adding: prompts.count)
        } catch {
            return refuse(error, uid: uid, &out)
        }
        for (i, text) in prompts.enumerated() {
            let id = record.queueLastID + 1
            emit(Event(time: out.now.wall, session: name, kind: EventKind.queueAdded, detail: "\(id) \(Text.printable(text, limit: 60))",
                       uid: uid, key: String(id), value: text), durable: i == prompts.count - 1, &out)
        }
    }

    /// `queue clear`: the pending prompts are dropped; one in flight has been typed already.
    mutating func clearQueue(_ out: inout Effects) {
        let n = record.queue.count
        emit(Event(time: out.now.wall, session: name, kind: EventKind.queueCleared,
                   detail: "\(n) prompt\(n == 1 ? "" : "s") dropped", value: String(n)), durable: true, &out)
    }

    /// Delivers the next prompt if the session can take it now: idle, its agent
    /// started or adopted by this daemon, no delivery in flight.
    mutating func deliverQueue(_ out: inout Effects) {
        guard record.state == .idle, live.attached, !live.launching else { return }
        if let flight = record.queueFlight {
            let id = flight.prompt.id
            if live.queueAgain == id && !flight.begun {
                live.queueAgain = nil
                return send(flight.prompt, again: true, &out)
            }
            guard live.queueSettled == id else {
                // A prompt that starts no turn (one the agent takes at once) is over once the terminal is quiet.
                if !flight.begun { armQuiet(afterMS: settings.quietAfterMS, &out) }
                return
            }
        }
        guard let next = record.queue.first else { return }
        send(next, again: false, &out)
    }

    /// Records the delivery (fsync'd) before typing it, so no daemon types it twice.
    private mutating func send(_ p: QueuedPrompt, again: Bool, _ out: inout Effects) {
        var detail = "\(p.id) \(Text.printable(p.text, limit: 60))"
        if again { detail += " (again: the agent reported no prompt after it before hivefs restarted)" }
        var e = Event(time: out.now.wall, session: name, kind: EventKind.queueSent, detail: detail, key: String(p.id), value: p.text)
        if again { e.reason = "again" }
        emit(e, durable: true, &out)
        live.queueSentMS = out.now.ms
        live.queueSettled = nil
        out.add(.type(p.text))
        armQuiet(afterMS: settings.quietAfterMS, &out)
    }

    /// The quiet check fired: a prompt in flight that started no turn, after which the
    /// terminal has been quiet for `quietAfterMS`, is over.
    mutating func settleQueue(_ out: inout Effects) {
        guard record.state == .idle, let flight = record.queueFlight, !flight.begun, live.queueSettled != flight.prompt.id,
              live.queueAgain != flight.prompt.id else { return }
        let quietFor = min(out.now.ms - live.outputMS, out.now.ms - live.queueSentMS)
        if quietFor >= Int64(settings.quietAfterMS) {
            live.queueSettled = flight.prompt.id
        } else {
            armQuiet(afterMS: settings.quietAfterMS - Int(quietFor), &out)
        }
    }

    /// A restarted daemon found a prompt in flight that no turn followed: delivered
    /// again (once idle) to an agent that reports its prompts and reported none after
    /// it; over for any other (at most once).
    mutating func adoptQueue() {
        live.attached = true
        guard let flight = record.queueFlight, !flight.begun else { return }
        if adapter.reportsPrompts { live.queueAgain = flight.prompt.id } else { live.queueSettled = flight.prompt.id }
    }
}
