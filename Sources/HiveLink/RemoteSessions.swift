import Foundation
import HiveCore
import HiveRuntime

/// Other hosts' sessions in this host's root `status` and `status.json`.
///
/// Decisions, stated once:
/// - Each host's root `status.json` is read when a root `status` or `status.json`
///   is opened here: every host at once, each on a queue of its own, so it costs
///   one round trip, and at most `HostsTable.sessionsWaitMS`; a host that answers
///   later shows what it last said. Opens while a read is under way wait for that read. An
///   answer younger than `SessionsSeen.fresh` is used as it is, unless the host
///   announced a change or took a write from here since.
/// - What it serves over the link holds its own sessions only (`HiveTree.withoutFleet`);
///   an object named `@…` all the same is left out.
/// - Its objects are shown as they come, but for two things: `name` becomes
///   `@HOST/NAME`, and `attach` runs tmux there through ssh (`ssh -t … DEST -- tmux
///   …`), so `hivefs top` and scripts attach to it as to a local one (null when
///   the link is not ssh's). Both are rewritten in the bytes, without parsing the
///   rest (the far side writes both in a known form); an object that is not JSON,
///   or does not begin with its name, is left out, with a warning in the log.
/// - A host whose link is down is one row, `@HOST` in state `down`, with why and since when.
extension RemoteHost {
    /// Reads the host's root `status.json` again and keeps its objects; false when the link failed.
    @discardableResult
    func readSessions() -> Bool {
        let bytes: [UInt8]
        do throws(HiveError) {
            bytes = try link.read(["status.json"])
        } catch {
            log.info("@\(name): cannot read its status.json: \(error.errnoName) \(error.reason)")
            return false
        }
        var objects: [[UInt8]] = []
        var refused = 0
        let via = attachPrefix
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            var o = Array(line)
            if o.last == UInt8(ascii: ",") { o.removeLast() }
            guard o.first == UInt8(ascii: "{") else { continue }  // the array's brackets
            guard let mine = SessionObject.rename(o, host: name, attachVia: via) else {
                refused += 1
                continue
            }
            objects.append(mine + [UInt8(ascii: "\n")])
        }
        if refused > 0 { log.warning("@\(name): \(refused) objects of its status.json are not hivefs's own; left out") }
        seen.set(objects)
        return true
    }

    /// What the host shows in the root files now.
    func sessionsShown() -> HostSessions {
        if case .down(let reason, let since) = link.state {
            return .down(host: name, reason: "link down since \(since.rfc3339): \(reason)")
        }
        return .sessions(host: name, objects: seen.objects)
    }

    /// `ssh … -t DEST --`: the link's own ssh command line, with a terminal, for
    /// `attach` (the far command is then one word, which ssh hands to the shell
    /// there); nil when the link is not ssh's (no `--` before the far command).
    var attachPrefix: [String]? {
        guard let end = link.command.firstIndex(of: "--") else { return nil }
        return link.command[..<end].map { $0 == "-T" ? "-t" : $0 } + ["--"]
    }
}

/// A host's sessions as last read, and when; the opens waiting for a read under
/// way. Any thread; behind its lock.
final class SessionsSeen: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [[UInt8]] = []
    private var at: Int64 = 0
    private var waiting: [@Sendable () -> Void]?

    /// How long an answer is used as it is (ms): an open and the read of offset 0
    /// after it ask once, not twice.
    static let fresh: Int64 = 250

    var objects: [[UInt8]] { lock.withLock { kept } }
    var isFresh: Bool { lock.withLock { at > 0 && Sys.monotonicMS() - at < SessionsSeen.fresh } }

    func set(_ objects: [[UInt8]]) {
        lock.withLock {
            kept = objects
            at = Sys.monotonicMS()
        }
    }

    /// Something changed there: the next open asks again.
    func outdate() { lock.withLock { at = 0 } }

    /// Waits for a read: true when this caller is to make it (none is under way).
    func join(_ done: @escaping @Sendable () -> Void) -> Bool {
        lock.withLock {
            if waiting != nil {
                waiting?.append(done)
                return false
            }
            waiting = [done]
            return true
        }
    }

    /// The read is over: who waited for it.
    func finish() -> [@Sendable () -> Void] {
        lock.withLock {
            defer { waiting = nil }
            return waiting ?? []
        }
    }
}

/// One object of another host's root `status.json`, renamed for this host's.
enum SessionObject {
    static let namePrefix = Array(#"{"name":""#.utf8)
    static let attachKey = Array(#","attach":""#.utf8)

    /// The object with `name` as `@HOST/NAME` and `attach` through ssh (`attachVia`),
    /// or null where it cannot be (no ssh, or not the line hivefs writes): tmux's
    /// line there would reach a tmux here. Nil when it is not a JSON object that
    /// begins with its name as hivefs writes it, or is another host's (`@…`): one
    /// bad object must not make the whole root `status.json` bad.
    static func rename(_ o: [UInt8], host: String, attachVia: [String]?) -> [UInt8]? {
        guard o.starts(with: namePrefix), o.count > namePrefix.count, o[namePrefix.count] != UInt8(ascii: "@"),
              (try? JSONSerialization.jsonObject(with: Data(o))) is [String: Any] else { return nil }
        var out = namePrefix + Array("@\(host)/".utf8) + o[namePrefix.count...]
        guard let key = find(attachKey, in: out) else { return out }
        let start = key + attachKey.count
        guard let end = closingQuote(out, from: start) else { return nil }
        let value = out[start..<end]
        // hivefs writes it without escapes: tmux -L SOCKET attach -t NAME.
        var line: String?
        if let via = attachVia, !value.contains(UInt8(ascii: "\\")) {
            line = CommandLineWords.join(via + [String(decoding: value, as: UTF8.self)])
        }
        out.replaceSubrange((start - 1)...end, with: Array((line.map(JSONWriter.quote) ?? "null").utf8))
        return out
    }

    /// Where a JSON string that starts at `from` ends: its closing quote, past escapes.
    private static func closingQuote(_ b: [UInt8], from: Int) -> Int? {
        var i = from
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""): return i
            default: i += 1
            }
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count, let first = needle.first else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == first, hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

extension HostsTable: FleetView {
    /// How long an open of the root `status` waits for other hosts' answers.
    static let sessionsWaitMS = 3000

    public func refreshSessions(_ done: @escaping @Sendable () -> Void) {
        let asked = hostsNow().filter { h in
            if case .up = h.link.state { return !h.seen.isFresh }
            return false
        }
        guard !asked.isEmpty else { return done() }
        let once = Once(done)
        let group = DispatchGroup()
        for h in asked {
            group.enter()
            // One read a host at a time: later opens wait for the one under way.
            guard h.seen.join({ group.leave() }) else { continue }
            h.sessionsQueue.async {
                h.readSessions()
                for waiter in h.seen.finish() { waiter() }
            }
        }
        group.notify(queue: .global()) { once.call() }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(HostsTable.sessionsWaitMS)) { once.call() }
    }

    public func sessions() -> [HostSessions] {
        hostsNow().map { $0.sessionsShown() }
    }
}

/// Calls a closure the first time it is asked to, and never again.
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var body: (@Sendable () -> Void)?

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func call() {
        let b = lock.withLock { () -> (@Sendable () -> Void)? in
            defer { body = nil }
            return body
        }
        b?()
    }
}
