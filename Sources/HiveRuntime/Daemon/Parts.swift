import Foundation
import HiveCore
import Logging

/// What the runtime's parts share: made once by the daemon, never changed. Each
/// part (`Processes`, `Reports`, `GitView`, `Views`, `Summaries`, `OnCommands`)
/// carries out one kind of effect and tells what it finds to the session's machine
/// through `machines`, never by reaching into another part's state.
struct Parts: Sendable {
    let config: HiveConfig
    let store: StateStore
    let tmux: Tmux
    let watcher: Watcher
    let log: Logger
    let machines: Machines
    /// What running sessions' processes use (`cpu`, `memory`), measured as `status` is read.
    let meter: ResourceMeter
    /// Where sessions' cgroups are made, or why none can be (`limit` is refused then).
    let cgroups: Result<Cgroups, HiveError>
}

/// The way back from a part to the sessions' machines: a part that found something
/// (a report, an exit, a commit) gives it to the session's machine here, and the
/// daemon carries out what the machine decides.
///
/// `hive` is set once, at the end of the daemon's `init`, before any part runs;
/// only read after.
final class Machines: @unchecked Sendable {
    weak var hive: Hive?

    /// Gives the session's machine one input; returns the refusal of the write it came from.
    @discardableResult
    func step(_ s: LiveSession, _ input: SessionInput, _ place: Place = .elsewhere) -> HiveError? {
        hive?.step(s, input, place)
    }

    /// Records a refusal that no machine's input gave (a bad link, a file it could not write).
    func refused(_ name: String?, _ error: HiveError, uid: UInt32 = getuid()) {
        hive?.errorEvent(name, error, uid: uid)
    }

    /// Tells a mount that what a session shows changed (`""`: the root's).
    func changed(_ name: String) {
        hive?.onChange?(name)
    }

    /// Counts what the session's transcripts gained; on its `ingest` queue.
    func readTranscripts(_ s: LiveSession) {
        hive?.reports.readTranscripts(s)
    }
}

/// Where an effect is carried out from: the session's `queue` (for a writer, whose
/// uid refusals carry), its `ingest` queue, or another thread (the watcher's, a
/// FUSE worker's), which hands slow work to one of the two.
enum Place: Equatable {
    case queue(uid: UInt32)
    case ingest
    case elsewhere
}
