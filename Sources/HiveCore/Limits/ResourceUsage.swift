/// What a run's processes used, as their cgroup counted it: recorded as a `usage`
/// event when the run ends, shown by `status` and `summary` after.
public struct ResourceUsage: Sendable, Equatable, Codable {
    /// CPU time of every process, user and system, in seconds.
    public var cpuSeconds: Double
    /// The most memory the processes held at once, in bytes (page cache included,
    /// as the kernel counts it against `limit.memory`).
    public var memoryPeak: Int64?
    /// Processes the kernel killed for memory.
    public var oom: Int64
    /// Forks the kernel refused at `limit.pids`.
    public var pidsRefused: Int64

    public init(cpuSeconds: Double, memoryPeak: Int64?, oom: Int64, pidsRefused: Int64 = 0) {
        self.cpuSeconds = cpuSeconds; self.memoryPeak = memoryPeak; self.oom = oom; self.pidsRefused = pidsRefused
    }

    /// `cpu=12.345 memory.peak=67108864 oom=1 [pids.refused=N]`: the `usage` event's value.
    public var text: String {
        var words = ["cpu=" + JSONWriter.number((cpuSeconds * 1000).rounded() / 1000)]
        if let p = memoryPeak { words.append("memory.peak=\(p)") }
        words.append("oom=\(oom)")
        if pidsRefused > 0 { words.append("pids.refused=\(pidsRefused)") }
        return words.joined(separator: " ")
    }

    public init?(text: String) {
        var cpu: Double?, peak: Int64?, oom: Int64 = 0, refused: Int64 = 0
        for word in text.split(separator: " ") {
            guard let eq = word.firstIndex(of: "=") else { return nil }
            let v = word[word.index(after: eq)...]
            switch word[..<eq] {
            case "cpu": cpu = Double(v)
            case "memory.peak": peak = Int64(v)
            case "oom": oom = Int64(v) ?? 0
            case "pids.refused": refused = Int64(v) ?? 0
            default: continue  // a key a later release added
            }
        }
        guard let cpu else { return nil }
        self.init(cpuSeconds: cpu, memoryPeak: peak, oom: oom, pidsRefused: refused)
    }

    /// `cpu 12.3 s, memory peak 64M, 1 killed for memory`.
    public var description: String {
        var d = "cpu \(JSONWriter.tenths(cpuSeconds)) s"
        if let p = memoryPeak { d += ", memory peak \(Bytes.short(p))" }
        if oom > 0 { d += ", \(oom) killed for memory" }
        if pidsRefused > 0 { d += ", \(pidsRefused) forks refused" }
        return d
    }
}
