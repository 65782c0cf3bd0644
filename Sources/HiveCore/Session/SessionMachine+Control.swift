/// Control lines and spec files: what each verb records and asks the runtime to do.
/// The verbs that act on processes (`pause`, `resume`, `kill`, `restart`, `start`)
/// and on git (`commit`, `merge`, `push`, `pr`: HiveCore/Git/Landing.swift) record
/// their outcome only once the runtime has carried them out.
extension SessionMachine {
    /// How a control line reads in `events`.
    public static func describe(_ c: SessionCommand) -> String {
        switch c {
        case .send(let t): return "send " + t
        case .keys(let k): return "keys " + k.joined(separator: " ")
        case .idleTimeout(let seconds): return "idle-timeout " + (seconds.map { "\($0)s" } ?? "off")
        case .budget(let b): return "budget " + (b?.text ?? "off")
        case .approve(let id), .deny(let id): return c.verb + (id.map { " \($0)" } ?? "")
        case .answer(let id, let n): return "answer \(id) \(n)"
        case .limit(let k, let v): return "limit \(k.rawValue) \(ResourceLimits.text(k, v))"
        case .fork(let name, let settings):
            // As written: `KEY="VALUE"` where the value needs quotes.
            let words = settings.map { w in
                w.firstIndex(of: "=").map { String(w[...$0]) + QuotedWords.quote(String(w[w.index(after: $0)...])) } ?? w
            }
            return (["fork", name] + words).joined(separator: " ")
        case .commit(let m): return "commit " + m
        case .merge(let into): return "merge" + (into.map { " " + $0 } ?? "")
        case .push(let remote): return "push" + (remote.map { " " + $0 } ?? "")
        case .pr(let title): return "pr " + title
        case .queueClear: return "queue clear"
        default: return c.verb
        }
    }

    mutating func command(_ c: SessionCommand, uid: UInt32, _ out: inout Effects) {
        do throws(HiveError) { try check([c]) } catch { return refuse(error, uid: uid, &out) }
        emit(Event(time: out.now.wall, session: name, kind: EventKind.control, detail: SessionMachine.describe(c), uid: uid),
             durable: true, &out)
        let state = record.state
        switch c {
        case .start:
            do throws(HiveError) { try record.spec.checkStartable(adapter: adapter) } catch { return refuse(error, uid: uid, &out) }
            launch(&out)
        case .pause:
            if state != .paused { out.add(.freeze(reason: nil)) }
        case .resume:
            if state == .paused { out.add(.thaw) }
        case .interrupt:
            out.add(.keys(adapter.interruptKeys))
        case .send(let text):
            out.add(.type(text))
        case .keys(let keys):
            out.add(.keys(keys))
        case .approve, .deny, .answer:
            let p: Permission, choice: Int
            do throws(HiveError) { (p, choice) = try answerChoice(c) } catch { return refuse(error, uid: uid, &out) }
            out.add(.answer(p, choice: choice, notBeforeMS: live.questionSeenMS + settings.answerAfterMS))
        case .kill:
            terminate("kill", &out)
        case .restart:
            if state.isLive { terminate("restart", &out) }
            launch(&out)
        case .idleTimeout(let seconds):
            var e = Event(time: out.now.wall, session: name, kind: EventKind.policy,
                          detail: "idle-timeout " + (seconds.map { "\($0)s" } ?? "off"))
            e.key = "idle-timeout"
            e.value = seconds.map(String.init) ?? "off"
            emit(e, durable: true, &out)
            armReap(&out)
        case .budget(let b):
            var e = Event(time: out.now.wall, session: name, kind: EventKind.policy, detail: "budget " + (b?.text ?? "off"))
            e.key = "budget"
            e.value = b?.text ?? "off"
            emit(e, durable: true, &out)
            enforceBudget(&out)
        case .limit(let key, let value):
            if value != nil, let why = settings.limitsUnsupported {
                return refuse(.unsupported("limit \(key.rawValue): \(why)"), uid: uid, &out)
            }
            var limits = record.limits
            limits[key] = value
            // A running agent's cgroup changes first; the limit is recorded once the kernel took it.
            if state.isLive { out.add(.setLimits(limits)) } else { recordLimits(limits, &out) }
        case .fork:
            // Two sessions' work: the runtime does it (`Hive.fork`), and records it in both.
            break
        case .commit, .merge, .push, .pr:
            do throws(HiveError) {
                if let request = try LandRequest.make(c, record) { out.add(.land(request)) }
            } catch {
                return refuse(error, uid: uid, &out)
            }
        case .queueClear:
            clearQueue(&out)
        }
    }

    /// A `commit`, `merge`, `push` or `pr` was carried out: one `land` event.
    mutating func landed(_ o: LandOutcome, _ out: inout Effects) {
        var e = Event(time: out.now.wall, session: name, kind: EventKind.land, detail: o.detail)
        e.key = o.verb.rawValue
        e.value = o.value
        emit(e, durable: true, &out)
        out.add(.gitChanged)
    }

    /// The limits in force from now on.
    mutating func recordLimits(_ limits: ResourceLimits, _ out: inout Effects) {
        var e = Event(time: out.now.wall, session: name, kind: EventKind.policy, detail: "limits " + limits.text)
        e.key = "limits"
        e.value = limits.text
        emit(e, durable: true, &out)
    }

    /// The kernel killed a process of the session for memory (once per kill seen).
    mutating func oomKilled(_ count: Int64, _ out: inout Effects) {
        guard count > record.oomKills else { return }
        let limit = record.limits.memory.map { " (limit.memory \(Bytes.short($0)))" } ?? ""
        var e = Event(time: out.now.wall, session: name, kind: EventKind.limit,
                      detail: "oom: the kernel killed a process for memory\(limit); \(count) in this run")
        e.key = "oom"
        e.value = String(count)
        emit(e, durable: true, &out)
    }

    /// Asks for the agent to be started.
    mutating func launch(_ out: inout Effects) {
        live.launching = true
        live.printedWhileLaunching = false
        out.add(.launch)
    }

    /// A spec file written: EACCES once the session has started.
    mutating func setSpec(_ key: SpecKey, _ spec: SessionSpec, uid: UInt32, _ out: inout Effects) {
        guard record.state == .new else {
            return refuse(.denied("\(key.rawValue) is read-only once the session has started"), uid: uid, recorded: false, &out)
        }
        let shown = key == .prompt ? Text.printable(spec.value(key), limit: 60) : spec.value(key)
        emit(Event(time: out.now.wall, session: name, kind: EventKind.spec, detail: "\(key.rawValue) \(shown)", uid: uid,
                   key: key.rawValue, value: spec.value(key), spec: spec), durable: true, &out)
    }

    /// The agent's processes are running again: back to the state it was paused in,
    /// or the one it reported meanwhile.
    mutating func thawed(_ out: inout Effects) {
        guard record.state == .paused else { return }
        let back = record.resumeTo ?? .idle
        enter(back, pid: record.pid, reason: back == .waiting ? record.reason : nil, &out)
    }

    // MARK: answers

    /// The question and option `approve`, `deny` or `answer` picks, checked against the
    /// question recorded: ENOMSG when none is asked, ESTALE for one that is over,
    /// EINVAL for an id never given or an option the question lacks (ERANGE).
    func answerChoice(_ c: SessionCommand) throws(HiveError) -> (Permission, Int) {
        let given: Int?
        switch c {
        case .approve(let id), .deny(let id): given = id
        case .answer(let id, _): given = id
        default: throw .invalid("\(c.verb) answers no question")
        }
        guard let known = record.permission else {
            if let given, given <= record.lastPermissionID ?? 0 { throw .stale("question \(given) is over; nothing waits for an answer now") }
            throw .noQuestion("\(name) waits for no answer (permission is empty)")
        }
        if let given, given != known.id {
            if given < known.id { throw .stale("question \(given) is over; the question now is \(known.id)") }
            throw .invalid("no question \(given) has been asked; the question now is \(known.id)")
        }
        switch c {
        case .approve:
            guard let a = known.approve else { throw .invalid("question \(known.id) has no yes option; use answer \(known.id) N") }
            return (known, a)
        case .deny:
            guard let d = known.deny else { throw .invalid("question \(known.id) has no no option; use answer \(known.id) N") }
            return (known, d)
        case .answer(_, let n):
            guard n <= known.options.count else {
                throw .range("question \(known.id) has \(known.options.count) options; there is no option \(n)")
            }
            return (known, n - 1)
        default:
            throw .invalid("\(c.verb) answers no question")
        }
    }

    /// The keys that pick `choice` of `known`, if `screen` still shows that question
    /// (with the focus where it is now); ESTALE when it does not.
    public func answerKeys(_ known: Permission, choice: Int, screen: String) throws(HiveError) -> [String] {
        guard let seen = adapter.question(on: screen),
              known.sameQuestion(seen.permission(id: known.id, tool: nil, subject: nil)) else {
            throw .stale("question \(known.id) is no longer on \(name)'s screen; read permission again")
        }
        var current = known
        current.focus = seen.focus
        return current.keys(choosing: choice)
    }

    /// The keys were pressed: the question is answered, and the agent works on.
    mutating func answered(_ known: Permission, choice: Int, _ out: inout Effects) {
        var e = Event(time: out.now.wall, session: name, kind: EventKind.permissionAnswered,
                      detail: "\(known.id) \(choice + 1): \(known.options[choice].label)", state: .working)
        e.permission = known
        emit(e, durable: true, &out)
        // What the agent does next is read from its reports and its screen.
        armQuiet(afterMS: settings.quietAfterMS, &out)
    }
}
