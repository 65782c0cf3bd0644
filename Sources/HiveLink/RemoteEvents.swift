import Foundation
import HiveCore
import HiveRuntime
import Logging

/// Another host's root `events`, followed over its link and added to this host's
/// root `events`, each line's session named `@NAME/SESSION`, so one `tail -f`
/// shows the fleet.
///
/// Decisions, stated once:
/// - The far side pushes what its file gains (a followed read, `NineP.follow`):
///   a line arrives here half a round trip after it was written there.
/// - Where it stands is a byte offset in the far side's file, kept in
///   `HostOffsets` after the lines before it are written here. A link that drops
///   and comes back reads on from there: nothing is lost or doubled across the
///   gap. A crash of this daemon between the two writes can repeat the last lines
///   read; it never loses one.
/// - A host linked for the first time is followed from the end of its file as it
///   is then: what it did before is in `@NAME/events`. A far file shorter than the
///   offset kept was started anew there (its state directory replaced): it is read
///   from its start, with a warning in the log.
/// - Only the far side's own sessions' lines are taken: a line it took from its
///   own other hosts (led by '@') is theirs to tell, and two hosts that name each
///   other would pass it back and forth for ever.
/// - A write here that fails (the state directory refuses it) stops the following;
///   it starts again from the offset kept, `retryMS` later. So does a far file
///   that shrank while followed (ESTALE: made anew there). A far side that cannot
///   follow (an older hivefs) is tried again when the link next comes up.
/// - A line longer than `longestLine` is left out (with a warning): nothing a far
///   side sends makes this one hold more.
///
/// Threads: lines are taken in order on `queue`; the link's reader thread only
/// hands them over. `run` (which following is current) is behind `lock`.
final class RemoteEvents: @unchecked Sendable {
    let host: String
    let link: LinkClient
    let sink: HostEvents
    let log: Logger
    private let queue: DispatchQueue
    private let lock = NSLock()
    /// The current following's number; 0 when none runs. Pieces of an older one are dropped.
    private var run = 0
    private var runs = 0
    /// Bytes after the last whole line taken (on `queue`).
    private var partial: [UInt8] = []
    /// The far side's offset up to which lines are written here (on `queue`).
    private var done: Int64 = 0
    /// Whether the rest of an over-long line is being passed over (on `queue`).
    private var skipping = false
    /// Stops the current following there (clunks its fid); behind `lock`.
    private var cancel: (@Sendable () -> Void)?

    /// How long after a failure here following starts again (ms).
    static let retryMS = 5000
    /// The longest line taken (bytes).
    static let longestLine = 1 << 20

    init(host: String, link: LinkClient, sink: HostEvents, log: Logger) {
        self.host = host
        self.link = link
        self.sink = sink
        self.log = log
        queue = DispatchQueue(label: "hivefs.host.\(host).events")
    }

    /// Starts following, unless it runs already (called when the link comes up).
    func start() {
        let mine = lock.withLock { () -> Int? in
            guard run == 0 else { return nil }
            runs += 1
            run = runs
            return runs
        }
        guard let mine else { return }
        queue.async { [self] in begin(mine) }
    }

    /// Stops following for good (the host removed).
    func stop() {
        let c = lock.withLock { () -> (@Sendable () -> Void)? in
            run = -1
            defer { cancel = nil }
            return cancel
        }
        c?()
    }

    private func current(_ mine: Int) -> Bool { lock.withLock { run == mine } }

    /// Ends a following (its read there dropped); a new one starts when the link is
    /// up again or, for a fault here or a file made anew there, after `retryMS`.
    private func ended(_ mine: Int, _ why: HiveError) {
        let (was, c) = lock.withLock { () -> (Bool, (@Sendable () -> Void)?) in
            guard run == mine else { return (false, nil) }
            run = 0
            defer { cancel = nil }
            return (true, cancel)
        }
        guard was else { return }
        c?()
        let retryMS: Int?
        switch why.errno {
        case .socketNotConnected: retryMS = nil  // the link is down: started again when it is up
        case .protocolNotSupported, .invalidArgument:
            log.warning("@\(host): its events cannot be followed (\(why.reason)); tried again when the link is next made")
            return
        default: retryMS = RemoteEvents.retryMS
        }
        log.info("@\(host): events no longer followed: \(why.errnoName) \(why.reason)")
        if let retryMS {
            queue.asyncAfter(deadline: .now() + .milliseconds(retryMS)) { [weak self] in
                guard let self, case .up = link.state else { return }
                start()
            }
        }
    }

    private func begin(_ mine: Int) {
        guard current(mine) else { return }
        partial = []
        skipping = false
        do throws(HiveError) {
            let size = Int64(clamping: try link.stat(["events"]).size)
            if let kept = sink.offsets.offset(host) {
                done = kept
                if size < kept {
                    log.warning("@\(host): its events file has \(size) bytes, fewer than the \(kept) read before: it was started anew there; read from its start")
                    done = 0
                }
            } else {
                done = size
                try sink.offsets.set(host, size)
            }
            let stop = try link.follow(["events"], from: done, onBytes: { [weak self] offset, bytes in
                guard let self, current(mine) else { return false }
                queue.async { [self] in take(mine, offset, bytes) }
                return true
            }, onEnd: { [weak self] why in
                self?.ended(mine, why)
            })
            let still = lock.withLock { () -> Bool in
                guard run == mine else { return false }
                cancel = stop
                return true
            }
            if !still { stop() }
        } catch {
            ended(mine, error)
        }
    }

    /// Writes the whole lines of a piece here, then keeps where they end.
    private func take(_ mine: Int, _ offset: Int64, _ bytes: [UInt8]) {
        guard current(mine) else { return }
        guard offset == done + Int64(partial.count) else {
            // Never expected: pieces come in order. Start again from what is kept.
            return ended(mine, HiveError(.badMessage, "a piece at \(offset), expected at \(done + Int64(partial.count))"))
        }
        partial += bytes
        if skipping {
            // The rest of a line too long to take, up to its end.
            guard let end = partial.firstIndex(of: UInt8(ascii: "\n")) else {
                done += Int64(partial.count)
                partial = []
                return
            }
            done += Int64(end + 1)
            partial = Array(partial[(end + 1)...])
            skipping = false
        }
        guard let cut = partial.lastIndex(of: UInt8(ascii: "\n")) else {
            if partial.count > RemoteEvents.longestLine {
                log.warning("@\(host): a line of its events over \(RemoteEvents.longestLine) bytes is left out")
                done += Int64(partial.count)
                partial = []
                skipping = true
            }
            return
        }
        let whole = partial[...cut]
        var out: [UInt8] = []
        out.reserveCapacity(whole.count + 32)
        let prefix = Array("@\(host)/".utf8)
        for line in whole.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            // Its own hosts' lines are theirs (and would come back here from a host that names this one).
            guard line.first != UInt8(ascii: "@"), line.count <= RemoteEvents.longestLine else { continue }
            out += prefix
            out += line
            out.append(UInt8(ascii: "\n"))
        }
        do throws(HiveError) {
            if !out.isEmpty { try sink.append(out) }
            done += Int64(whole.count)
            partial = Array(partial[(cut + 1)...])
            try sink.offsets.set(host, done)
        } catch {
            log.warning("@\(host): cannot add its events here: \(error.errnoName) \(error.reason)")
            ended(mine, HiveError(.ioError, error.reason))
        }
    }
}

/// Where other hosts' events go here: the root `events`, and the offsets read.
public struct HostEvents: Sendable {
    /// Writes lines (each whole, already named `@NAME/SESSION`) to the root `events`.
    public let append: @Sendable ([UInt8]) throws(HiveError) -> Void
    public let offsets: HostOffsets

    public init(offsets: HostOffsets, append: @escaping @Sendable ([UInt8]) throws(HiveError) -> Void) {
        self.offsets = offsets
        self.append = append
    }
}

/// How far each host's root `events` has been read, kept in a file of
/// `NAME OFFSET` lines (STATE/hosts.events) so a restart reads on from there.
/// Any thread; behind its lock.
public final class HostOffsets: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var offsets: [String: Int64] = [:]

    public init(path: String) {
        self.path = path
        guard let bytes = Sys.readFile(path) else { return }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, let n = Int64(words[1]), n >= 0 { offsets[String(words[0])] = n }
        }
    }

    public func offset(_ host: String) -> Int64? { lock.withLock { offsets[host] } }

    public func set(_ host: String, _ offset: Int64) throws(HiveError) {
        lock.lock()
        defer { lock.unlock() }
        guard offsets[host] != offset else { return }
        var next = offsets
        next[host] = offset
        let text = next.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
        do {
            try Sys.writeFileAtomically(path, Array(text.utf8), mode: 0o600)
        } catch {
            throw error.hive("cannot save \(path)")
        }
        // Kept only once written: a failed save is tried again by the next.
        offsets = next
    }
}
