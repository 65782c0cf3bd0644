import Foundation

/// A seeded generator for fuzz tests: the same cases on every machine, so a
/// failure names the seed that repeats it (HIVEFS_FUZZ_SEED); HIVEFS_FUZZ_SCALE
/// multiplies the number of cases (`make stress` runs ten times as many).
public enum Fuzz {
    public static let env = ProcessInfo.processInfo.environment
    public static let seed = env["HIVEFS_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x6869_7665_6673
    public static let scale = env["HIVEFS_FUZZ_SCALE"].flatMap(Int.init) ?? 1

    /// Byte-level mutations of a valid input: flips, insertions of awkward bytes,
    /// deletions, truncation, duplication, splicing.
    public static func mutate(_ input: [UInt8], _ r: inout FuzzRand) -> [UInt8] {
        var b = input
        let awkward: [[UInt8]] = [[0], [0x0A], [0x0D, 0x0A], [0xFF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
                                  Array("\"".utf8), Array("'".utf8), Array("\\".utf8), Array("$(id)".utf8),
                                  Array("`id`".utf8), Array(";".utf8), Array("#{pane_pid}".utf8), Array("..".utf8),
                                  Array("/".utf8), Array("=".utf8), Array("{".utf8), Array("}".utf8), Array("[".utf8),
                                  Array("99999999999999999999999".utf8), Array("-1".utf8), Array("1e308".utf8)]
        for _ in 0..<(1 + r.below(4)) {
            switch r.below(7) {
            case 0 where !b.isEmpty: b[r.below(b.count)] ^= UInt8(1 << r.below(8))
            case 1: b.insert(contentsOf: r.pick(awkward), at: r.below(b.count + 1))
            case 2 where !b.isEmpty: b.remove(at: r.below(b.count))
            case 3: b = Array(b.prefix(r.below(b.count + 1)))
            case 4 where !b.isEmpty:
                let i = r.below(b.count)
                b.insert(contentsOf: b[i..<min(b.count, i + r.below(16))], at: r.below(b.count + 1))
            case 5: b.insert(contentsOf: r.bytes(r.below(8)), at: r.below(b.count + 1))
            default: b += r.pick(awkward)
            }
        }
        return b
    }

    /// Valid writes to a session's and to the root `control`, for mutating.
    public static let sessionLines = [
        "pause", "resume", "interrupt", "kill", "restart", "send Use the existing TokenStore",
        "send 'quoted \"text\"'", "keys C-c Enter", "budget 5000", "budget usd=2.5", "budget off",
        "idle-timeout 30m", "idle-timeout off", "kill\npause\n", "send a\\nb",
    ]
    public static let rootLines = [
        "new auth agent=claude dir=/tmp prompt=\"Add login\"", "new x agent=shell command=\"sleep 1\"",
        "new w agent=claude worktree=yes branch=feat/x setup=\"make deps\"", "prune-history older-than=30d",
        "new a.b agent=shell", "new y agent=codex env.FOO=bar",
    ]
}

/// SplitMix64: small, seeded, the same on every machine.
public struct FuzzRand {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    public mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
    public mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
