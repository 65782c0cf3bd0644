import Foundation
import HiveCore
import SystemPackage
@testable import HiveFUSE

/// One reply the bridge gave.
enum Reply: Equatable {
    case entry(Attributes, entryTimeout: Double, attrTimeout: Double)
    case attr(Attributes, timeout: Double)
    case open(handle: UInt64, directIO: Bool, keepCache: Bool)
    case buf([UInt8])
    case readlink(String)
    case directory([DirectoryEntry], from: Int, size: Int)
    case write(Int)
    case poll(UInt32)
    case err(Errno)
    case ok

    var errno: Errno? {
        if case .err(let e) = self { return e }
        return nil
    }

    var attributes: Attributes? {
        switch self {
        case .entry(let a, _, _), .attr(let a, _): return a
        default: return nil
        }
    }

    var handle: UInt64? {
        if case .open(let h, _, _) = self { return h }
        return nil
    }

    var text: String? {
        if case .buf(let b) = self { return String(decoding: b, as: UTF8.self) }
        return nil
    }
}

/// Records the replies to one request, from whatever thread gives them.
final class RecordingReplier: ReplyRecording, @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [Reply] = []
    private let arrived = DispatchSemaphore(value: 0)

    func record(_ r: Reply) {
        lock.lock(); replies.append(r); lock.unlock()
        arrived.signal()
    }

    /// Every reply so far.
    var all: [Reply] { lock.lock(); defer { lock.unlock() }; return replies }

    /// Waits up to `seconds` for the first reply.
    func wait(_ seconds: Double = 5) -> Reply? {
        guard arrived.wait(timeout: .now() + seconds) == .success else { return nil }
        arrived.signal()
        return all.first
    }
}

/// A poll waiting; counts its wake-ups.
final class RecordingWaiter: PollWaiter, @unchecked Sendable {
    let wakes = Shared(0)
    func wake() { wakes.update { $0 += 1 } }
}

/// The kernel's cache; records what it was told to drop, and whether the thread
/// that told it was serving a request.
final class RecordingKernel: KernelCache, @unchecked Sendable {
    enum Dropped: Equatable {
        case attributes(UInt64)
        case name(parent: UInt64, String)
    }
    let dropped = Shared<[Dropped]>([])
    let onWorker = Shared<[Bool]>([])
    func invalidate(ino: UInt64) {
        onWorker.update { $0.append(FuseWorker.isCurrent) }
        dropped.update { $0.append(.attributes(ino)) }
    }
    func invalidate(parent: UInt64, name: String) { dropped.update { $0.append(.name(parent: parent, name)) } }
}

/// A replier that turns each reply into a `Reply` value and hands it to `record`.
protocol ReplyRecording: Replier {
    func record(_ r: Reply)
}

extension ReplyRecording {
    func entry(_ attributes: Attributes, entryTimeout: Double, attrTimeout: Double) {
        record(.entry(attributes, entryTimeout: entryTimeout, attrTimeout: attrTimeout))
    }
    func attr(_ attributes: Attributes, timeout: Double) { record(.attr(attributes, timeout: timeout)) }
    func open(handle: UInt64, directIO: Bool, keepCache: Bool) {
        record(.open(handle: handle, directIO: directIO, keepCache: keepCache))
    }
    func buf(_ bytes: [UInt8]) { record(.buf(bytes)) }
    func readlink(_ target: String) { record(.readlink(target)) }
    func directory(_ entries: [DirectoryEntry], from offset: Int, size: Int) {
        record(.directory(entries, from: offset, size: size))
    }
    func write(_ count: Int) { record(.write(count)) }
    func poll(_ events: UInt32) { record(.poll(events)) }
    func err(_ error: HiveError) { record(.err(error.errno)) }
    func ok() { record(.ok) }
}
