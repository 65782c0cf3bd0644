import Foundation

/// The recent CPU times of one session's process tree, and the share of one core
/// they add up to: the `cpu` of its `status`. Pure (the clock and the ticks are
/// given), so the arithmetic can be tested without processes.
public struct CPUWindow: Sendable, Equatable {
    /// A reading of the tree's CPU time (clock ticks) at a monotonic instant (ms).
    public struct Sample: Sendable, Equatable {
        public var ms: Int64
        public var ticks: Int64
    }

    /// How far back samples are kept: the longest span a busy reader's figure covers.
    public static let keepMS: Int64 = 10_000
    /// The shortest span the figure is normally taken over.
    public static let spanMS: Int64 = 1_000
    /// The shortest span used at all, while no sample is `spanMS` old yet.
    public static let shortestMS: Int64 = 200
    /// No more samples than this are kept, however often they come.
    static let most = 32

    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
    public let ticksPerSecond: Int64
    /// The samples kept, oldest first.
    public private(set) var samples: [Sample] = []

    public init(ticksPerSecond: Int64) { self.ticksPerSecond = max(1, ticksPerSecond) }

    /// Keeps a reading. Samples older than `keepMS` are dropped, except the newest of
    /// them while none younger is `spanMS` old: a tree read every 30 s is measured
    /// over those 30 s rather than over its whole life.
    public mutating func add(ms: Int64, ticks: Int64) {
        if let last = samples.last, ms <= last.ms { return }
        samples.append(Sample(ms: ms, ticks: ticks))
        while samples.count >= 2, samples[0].ms < ms - Self.keepMS, samples[1].ms <= ms - Self.spanMS {
            samples.removeFirst()
        }
        if samples.count > Self.most { samples.removeFirst(samples.count - Self.most) }
    }

    /// The percent of one core the tree used up to `now` (when it had used `ticks`),
    /// since the oldest sample kept (which `add` keeps at least `spanMS` old once
    /// one is), if it is at least `shortestMS` old; else nil (the caller knows the
    /// tree's age). A tree whose ticks went down (a process left it with its time,
    /// unreaped) counts 0 for the span.
    public func percent(now: Int64, ticks: Int64) -> Double? {
        guard let oldest = samples.first else { return nil }
        let span = now - oldest.ms
        guard span >= Self.shortestMS else { return nil }
        return Self.percent(ticks: ticks - oldest.ticks, overMS: span, ticksPerSecond: ticksPerSecond)
    }

    /// `ticks` of CPU time over `overMS` milliseconds as a percent of one core; 0 for
    /// negative ticks or an empty span.
    public static func percent(ticks: Int64, overMS: Int64, ticksPerSecond: Int64) -> Double {
        guard overMS > 0, ticks > 0, ticksPerSecond > 0 else { return 0 }
        return Double(ticks) * 100_000 / (Double(ticksPerSecond) * Double(overMS))
    }
}
