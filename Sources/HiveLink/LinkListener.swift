import Foundation
import HiveCore
import HiveRuntime
import Logging
import SystemPackage

/// The daemon's end of the link: a Unix socket in its state directory
/// (`link.sock`, mode 0600) on which each connection is a 9P2000.L client served
/// the daemon's own tree (`NinePServer`). `hivefs serve --stdio`, which another
/// host's daemon runs here over ssh, relays its stdin and stdout to one such
/// connection; nothing listens on a network port.
///
/// Threads: one accepts; each connection has one reading it, which hands whole
/// messages to its server in order. Replies are written whole, under the
/// connection's lock, from whichever thread has them; those the reading thread
/// gives for the messages of one read are written together (`Connection`).
public final class LinkListener: @unchecked Sendable {
    public let path: String
    let tree: TreeTable
    let log: Logger
    private let lock = NSLock()
    private var listening: FileDescriptor?
    private var connections: [ObjectIdentifier: Connection] = [:]

    public init(tree: TreeTable, path: String, logger: Logger) {
        self.tree = tree
        self.path = path
        self.log = logger
    }

    /// The socket's path in a state directory.
    public static func socketPath(stateDir: String) -> String { stateDir + "/link.sock" }

    /// Listens, and serves each connection of the daemon's own user on a thread.
    public func start() throws(HiveError) {
        // One watcher for every connection's `.notices`.
        tree.watch { [weak self] notice in
            guard let self else { return }
            for c in lock.withLock({ Array(connections.values) }) { c.heard(notice) }
        }
        let fd: FileDescriptor
        do {
            fd = try Sys.listenUnix(path)
        } catch {
            throw error.hive("cannot listen on \(path)")
        }
        lock.withLock { listening = fd }
        let t = Thread { [self] in accept(fd) }
        t.name = "hivefs-link"
        t.start()
    }

    /// Stops listening and closes every connection.
    public func stop() {
        let (fd, all) = lock.withLock { () -> (FileDescriptor?, [Connection]) in
            defer { listening = nil; connections = [:] }
            return (listening, Array(connections.values))
        }
        if let fd {
            shutdown(fd.rawValue, Int32(SHUT_RDWR))
            try? fd.close()
            unlink(path)
        }
        for c in all { c.close() }
    }

    private func accept(_ listening: FileDescriptor) {
        while true {
            let accepted: (FileDescriptor, uid: uid_t)
            do {
                accepted = try Sys.accept(listening)
            } catch {
                if lock.withLock({ self.listening == nil }) { return }
                log.warning("link: cannot accept on \(path): \(error)")
                Sys.sleep(ms: 100)
                continue
            }
            let (fd, peer) = accepted
            guard peer == getuid() else {
                log.warning("link: refused a connection from uid \(peer)")
                try? fd.close()
                continue
            }
            let c = Connection(fd: fd, tree: tree, log: log)
            lock.withLock { connections[ObjectIdentifier(c)] = c }
            let t = Thread { [self] in
                c.run { _ = self.lock.withLock { self.connections.removeValue(forKey: ObjectIdentifier(c)) } }
            }
            t.name = "hivefs-link-conn"
            t.start()
        }
    }

    /// One client: its socket, its framer and its server. Replies are queued and
    /// written by `writer`, so no thread that announces a change waits on a client
    /// that does not read; one that lets `maxQueued` bytes pile up is closed.
    /// The replies `run` gives while it handles the requests of one read are written
    /// together, in one write: a client's batch sent at once (walk, open, read,
    /// clunk) goes back in one piece, which ssh carries in one packet. In several,
    /// all but the first would wait, by Nagle's algorithm on ssh's socket, for the
    /// other side's acknowledgement, which it may delay by up to 40 ms. Replies
    /// given later, from other threads (a held read, slow work), go at once.
    final class Connection: @unchecked Sendable {
        let fd: FileDescriptor
        let log: Logger
        private let writeLock = NSLock()
        private var closed = false
        private var queued = 0
        /// The replies held while `run` handles the requests of one read (nil: none
        /// held), and its thread, the only one whose replies are held.
        private var held: [UInt8]?
        private var runner: pthread_t?
        private let writer = DispatchQueue(label: "hivefs.link.write")
        static let maxQueued = 64 << 20
        private var server: NinePServer?

        init(fd: FileDescriptor, tree: TreeTable, log: Logger) {
            self.fd = fd
            self.log = log
            server = nil
            server = NinePServer(tree: tree) { [weak self] bytes in self?.write(bytes) }
        }

        /// Reads messages until the client goes or sends what is no message; `gone`
        /// is called before the socket is closed.
        func run(gone: () -> Void) {
            var framer = NinePFramer()
            defer {
                // What is queued (a last error) is written first, for at most 2 s (a
                // client that reads nothing cannot hold this thread); then the socket goes.
                let flushed = DispatchSemaphore(value: 0)
                writer.async { flushed.signal() }
                _ = flushed.wait(timeout: .now() + .seconds(2))
                close()
                gone()
                writer.sync {}
                writeLock.withLock { try? fd.close() }
            }
            while true {
                let chunk: [UInt8]
                do {
                    chunk = try Sys.readSome(fd)
                } catch {
                    return
                }
                if chunk.isEmpty { return }
                writeLock.withLock {
                    held = []
                    runner = pthread_self()
                }
                do throws(HiveError) {
                    defer { writeHeld() }
                    for m in try framer.take(chunk) { try server?.handle(m) }
                } catch {
                    // Said once, with the reason, then the link is closed.
                    log.warning("link: closing a connection: \(error)")
                    write(NinePCodec.encode(.error(error.errno), tag: NineP.noTag))
                    return
                }
            }
        }

        func heard(_ notice: TreeNotice) { server?.heard(notice) }

        /// A reply: held if the requests of a read are being handled, else queued.
        func write(_ bytes: [UInt8]) {
            let holding = writeLock.withLock { () -> Bool in
                guard held != nil, let runner, pthread_equal(runner, pthread_self()) != 0 else { return false }
                held?.append(contentsOf: bytes)
                return true
            }
            if !holding { queue(bytes) }
        }

        /// Queues what was held, in one write.
        private func writeHeld() {
            let bytes = writeLock.withLock { () -> [UInt8] in
                defer { held = nil }
                return held ?? []
            }
            if !bytes.isEmpty { queue(bytes) }
        }

        private func queue(_ bytes: [UInt8]) {
            let tooMuch = writeLock.withLock { () -> Bool in
                guard !closed else { return false }
                queued += bytes.count
                return queued > Connection.maxQueued
            }
            if tooMuch {
                log.warning("link: a client that does not read its answers (\(Connection.maxQueued >> 20) MiB waiting): closing it")
                return close()
            }
            writer.async { [self] in
                writeLock.withLock {
                    queued -= bytes.count
                    guard !closed else { return }
                    do { try Sys.writeAll(fd, bytes) } catch { closed = true }
                }
            }
        }

        func close() {
            writeLock.withLock {
                guard !closed else { return }
                closed = true
                shutdown(fd.rawValue, Int32(SHUT_RDWR))
            }
        }
    }
}
