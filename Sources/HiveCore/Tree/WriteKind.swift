/// Says once whether a write, a directory made or a directory removed took effect.
public typealias Completion = @Sendable (HiveError?) -> Void

/// Carries out a write of `bytes` by the user `uid`; `done` is called once it has taken effect.
public typealias Perform = @Sendable (_ bytes: [UInt8], _ uid: UInt32, _ done: @escaping Completion) -> Void

/// The writes a file takes.
public enum WriteKind: Sendable {
    /// None: the file is only read.
    case none
    /// Commands: each write is carried out whole, on its own (`control`).
    case commands(Perform)
    /// One value, written whole from the start, in one write or in several that each
    /// go on where the last ended (spec files); `Perform` gets the whole value so far.
    case value(Perform)
    /// Lines appended (`queue`): each open handle keeps its unfinished last line
    /// (`PromptLines`), so `Perform` gets only complete lines, each ending in a newline;
    /// at close, a rest that is not empty comes as the last line (a refusal of it
    /// cannot be answered then: the file records it).
    case lines(Perform)
}
