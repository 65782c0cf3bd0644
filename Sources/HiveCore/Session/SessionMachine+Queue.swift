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
            try PromptQueue.checkRoom(pending: record.queue, adding: prompts)
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
    /// started or adopted by this daemon and not being ended, no delivery in flight.
    mutating func deliverQueue(_ out: inout Effects) {
        guard record.state == .idle, live.attached, !live.launching, !live.terminating else { return }
        if let flight = record.queueFlight {
            if live.queueAgain == flight.prompt.id && !flight.begun {
                live.queueAgain = nil
                return send(flight.prompt, again: true, &out)
            }
            // A prompt that starts no turn (one the agent takes at once) is over once the terminal is quiet.
            if !flight.begun { armQuiet(afterMS: settings.quietAfterMS, &out) }
            return
        }
        guard let next = record.queue.first else { return }
        send(next, again: false, &out)
    }

    /// Why the queued prompt `id` cannot be typed now, or nil when it can: asked just
    /// before typing it, since the typing waits its turn behind what came first (a
    /// `kill`, a `pause`, an idle timeout).
    public func queueHold(_ id: Int) -> String? {
        let state = record.state
        if !state.isLive { return "\(name) is \(state.rawValue)" }
        if state == .paused { return "\(name) is paused" }
        if live.terminating { return "\(name) is being ended" }
        if record.queueFlight?.prompt.id != id { return "it is no longer the prompt in flight" }
        return nil
    }

    /// The prompt `id` was not typed: pending again, first (`queue.returned`).
    mutating func returnQueued(_ id: Int, why: String, _ out: inout Effects) {
        guard let text = record.queueFlight.flatMap({ $0.prompt.id == id ? $0.prompt.text : nil }) else { return }
        var e = Event(time: out.now.wall, session: name, kind: EventKind.queueReturned,
                      detail: "\(id) \(Text.printable(text, limit: 60)): not typed, \(why)", key: String(id), value: text)
        e.reason = why
        emit(e, durable: true, &out)
    }

    /// Ends the agent (`.terminate`); nothing is delivered until it is ended.
    mutating func terminate(_ reason: String, _ out: inout Effects) {
        live.terminating = true
        out.add(.terminate(reason: reason))
    }

    /// Records the delivery (fsync'd) before typing it, so no daemon types it twice.
    private mutating func send(_ p: QueuedPrompt, again: Bool, _ out: inout Effects) {
        var detail = "\(p.id) \(Text.printable(p.text, limit: 60))"
        if again { detail += " (again: the agent reported no prompt after it before hivefs restarted)" }
        var e = Event(time: out.now.wall, session: name, kind: EventKind.queueSent, detail: detail, key: String(p.id), value: p.text)
        if again { e.reason = "again" }
        emit(e, durable: true, &out)
        live.queueSentMS = out.now.ms
        out.add(.typeQueued(id: p.id, text: p.text))
        armQuiet(afterMS: settings.quietAfterMS, &out)
    }

    /// The quiet check fired: a prompt in flight that started no turn, after which the
    /// terminal has been quiet for `quietAfterMS`, is over (`queue.done`).
    mutating func settleQueue(_ out: inout Effects) {
        guard record.state == .idle, live.attached, let flight = record.queueFlight, !flight.begun,
              live.queueAgain != flight.prompt.id else { return }
        let quietFor = min(out.now.ms - live.outputMS, out.now.ms - live.queueSentMS)
        if quietFor >= Int64(settings.quietAfterMS) {
            queueDone(flight.prompt.id, "it started no turn and the terminal was quiet for \(quietFor) ms", &out)
        } else {
            armQuiet(afterMS: settings.quietAfterMS - Int(quietFor), &out)
        }
    }

    /// A restarted daemon found a prompt in flight that no turn followed: delivered
    /// again (once idle) to an agent that reports its prompts and reported none after
    /// it; over for any other (at most once).
    mutating func adoptQueue(_ out: inout Effects) {
        live.attached = true
        guard let flight = record.queueFlight, !flight.begun else { return }
        if adapter.reportsPrompts {
            live.queueAgain = flight.prompt.id
        } else {
            queueDone(flight.prompt.id, "hivefs restarted while it was in flight; \(adapter.name) reports no prompts, so it is not typed again", &out)
        }
    }

    /// Records that the delivery of `id` is over (fsync'd: a restart must not type it again).
    private mutating func queueDone(_ id: Int, _ why: String, _ out: inout Effects) {
        var e = Event(time: out.now.wall, session: name, kind: EventKind.queueDone, detail: "\(id): \(why)", key: String(id))
        e.reason = why
        emit(e, durable: true, &out)
    }
}
