import XCTest
@testable import HiveCore

/// `limit.memory`, `limit.cpu`, `limit.pids` as people write them, and the text a
/// `limits` event keeps (read back by replay).
final class ResourceLimitsTests: XCTestCase {
    private func parse(_ key: ResourceLimits.Key, _ text: String, file: StaticString = #filePath, line: UInt = #line) -> Int64? {
        assertNoThrow("\(key) \(text)", file: file, line: line) { () throws(HiveError) in try ResourceLimits.parse(key, text) } ?? nil
    }

    @discardableResult
    private func refuse(_ expected: Err, _ key: ResourceLimits.Key, _ text: String,
                        file: StaticString = #filePath, line: UInt = #line) -> HiveError? {
        assertThrows(expected, "\(key) \(text.debugDescription)", file: file, line: line) { () throws(HiveError) in
            try ResourceLimits.parse(key, text)
        }
    }

    // MARK: memory

    func testMemoryTakesBinaryUnits() {
        XCTAssertEqual(parse(.memory, "512M"), 512 << 20)
        XCTAssertEqual(parse(.memory, "4G"), 4 << 30)
        XCTAssertEqual(parse(.memory, "1.5G"), 3 << 29)
        XCTAssertEqual(parse(.memory, "4096K"), 4 << 20, "the least that is accepted")
        XCTAssertEqual(parse(.memory, "1T"), 1 << 40)
        for spelled in ["4GiB", "4Gi", "4GB", "4gb", "4g", "4096M", "4194304K"] {
            XCTAssertEqual(parse(.memory, spelled), 4 << 30, spelled)
        }
        XCTAssertEqual(parse(.memory, "8388608"), 8 << 20, "plain bytes")
        XCTAssertEqual(parse(.memory, "8388608B"), 8 << 20)
        XCTAssertEqual(parse(.memory, " 64M\n"), 64 << 20, "surrounding white space is not part of it")
    }

    func testMemoryOutOfRangeIsERANGE() {
        for text in ["1", "0", "4095K", "3.9M", "1025T", "2048T"] {
            refuse(.ERANGE, .memory, text)
        }
        XCTAssertEqual(parse(.memory, "1024T"), 1 << 50, "the most")
    }

    func testMemoryThatIsNotAFigureIsEINVAL() {
        for text in ["lots", "", "  ", "G", "-1G", "1.2.3G", "4X", "4 G", "4P", "0x10M", "1e9", "inf", "nan", "४G"] {
            refuse(.EINVAL, .memory, text)
        }
    }

    // MARK: cpu

    func testCPUIsCoresOrAPercentOfOne() {
        XCTAssertEqual(parse(.cpu, "1.5"), 150)
        XCTAssertEqual(parse(.cpu, "150%"), 150)
        XCTAssertEqual(parse(.cpu, "1"), 100)
        XCTAssertEqual(parse(.cpu, "0.5"), 50)
        XCTAssertEqual(parse(.cpu, "1%"), 1, "the least")
        XCTAssertEqual(parse(.cpu, "0.01"), 1)
        XCTAssertEqual(parse(.cpu, "100000%"), 100_000, "the most")
        XCTAssertEqual(parse(.cpu, "1000"), 100_000)
        XCTAssertEqual(parse(.cpu, "12.4%"), 12, "whole percents")
    }

    func testCPUOutOfRangeIsERANGE() {
        for text in ["0%", "0", "0.5%", "0.001", "100001%", "1001"] {
            refuse(.ERANGE, .cpu, text)
        }
    }

    func testCPUThatIsNotAFigureIsEINVAL() {
        for text in ["lots", "%", "150%%", "-50%", "+1", "half", "1.5 cores", "0x10", "1e3", "١٥٠%"] {
            refuse(.EINVAL, .cpu, text)
        }
    }

    // MARK: pids

    func testPidsIsAWholeNumberOfTasks() {
        XCTAssertEqual(parse(.pids, "512"), 512)
        XCTAssertEqual(parse(.pids, "1"), 1)
        XCTAssertEqual(parse(.pids, "4194304"), 4_194_304)
        for text in ["0", "4194305", "99999999", "99999999999999999999999"] {
            refuse(.ERANGE, .pids, text)
        }
        for text in ["lots", "-1", "+5", "1.5", "5k", "5 12"] {
            refuse(.EINVAL, .pids, text)
        }
    }

    // MARK: off and keys

    func testOffRemovesEachLimit() throws {
        for key in ResourceLimits.Key.allCases {
            let v = assertNoThrow { () throws(HiveError) in try ResourceLimits.parse(key, "off") }
            XCTAssertEqual(v, .some(nil), "\(key)")
            refuse(.EINVAL, key, "OFF")
            let e = refuse(.EINVAL, key, "")
            XCTAssertEqual(e?.reason.contains("off"), true, e?.reason ?? "")
        }
    }

    func testKeysAreNamedBareOrDotted() {
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try ResourceLimits.Key(word: "memory") }, .memory)
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try ResourceLimits.Key(word: "limit.cpu") }, .cpu)
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try ResourceLimits.Key(word: "limit.pids") }, .pids)
        for word in ["disk", "Memory", "limit.limit.memory", "limit.", "", "limits.memory"] {
            let e = assertThrows(.EINVAL, word) { () throws(HiveError) in try ResourceLimits.Key(word: word) }
            XCTAssertEqual(e?.reason.contains("memory, cpu, pids"), true, e?.reason ?? "")
        }
    }

    // MARK: text

    func testEachValueAsEventsShowIt() {
        XCTAssertEqual(ResourceLimits.text(.memory, 64 << 20), "64M")
        XCTAssertEqual(ResourceLimits.text(.memory, 3 << 29), "1.5G")
        XCTAssertEqual(ResourceLimits.text(.cpu, 150), "150%")
        XCTAssertEqual(ResourceLimits.text(.pids, 512), "512")
        for key in ResourceLimits.Key.allCases { XCTAssertEqual(ResourceLimits.text(key, nil), "off") }
    }

    func testTheLimitsTextInKeyOrder() {
        XCTAssertEqual(ResourceLimits().text, "none")
        XCTAssertEqual(ResourceLimits(memory: 64 << 20, cpu: 50, pids: 20).text, "memory=64M cpu=50% pids=20")
        XCTAssertEqual(ResourceLimits(pids: 20).text, "pids=20")
        XCTAssertEqual(ResourceLimits(memory: 1 << 30, pids: 7).set, [.memory, .pids])
        XCTAssertTrue(ResourceLimits().isEmpty)
        XCTAssertFalse(ResourceLimits(cpu: 1).isEmpty)
    }

    /// A `limits` event is read back by replay: what it holds must be what the kernel was given.
    func testTheTextReadsBackExactly() throws {
        let memories: [Int64] = [4 << 20, 64 << 20, 3 << 29, 1 << 50, 1_000_000_000, (4 << 20) + 1, (1 << 30) - 1, 4_299_161, 5_000_001, 5_000_000_000]
        for m in memories {
            let l = ResourceLimits(memory: m, cpu: 150, pids: 512)
            XCTAssertEqual(ResourceLimits(text: l.text), l, "\(m) as \(l.text)")
            XCTAssertEqual(assertNoThrow { () throws(HiveError) in try ResourceLimits.parse(.memory, ResourceLimits.text(.memory, m)) }, m,
                           "\(m) as \(ResourceLimits.text(.memory, m))")
        }
        for l in [ResourceLimits(), ResourceLimits(cpu: 1), ResourceLimits(pids: 4_194_304), ResourceLimits(memory: 1 << 40, cpu: 100_000)] {
            XCTAssertEqual(ResourceLimits(text: l.text), l, l.text)
        }
    }

    func testMemoryIsShortWhereThatIsExactAndBytesElse() {
        XCTAssertEqual(ResourceLimits.text(.memory, 1_000_000_000), "1000000000", "953.7M would read back as 1000000716")
        XCTAssertEqual(ResourceLimits.text(.memory, (1 << 30) - 1), "1073741823")
        XCTAssertEqual(ResourceLimits.text(.memory, 4_299_161), "4.1M", "4.1M reads back as these bytes")
        XCTAssertEqual(ResourceLimits(memory: 1_000_000_000).text, "memory=1000000000")
    }

    func testTextThatIsNotLimitsReadsAsNothing() {
        for text in ["memory", "memory=lots", "disk=1G", "memory=1", "memory=64M cpu"] {
            XCTAssertNil(ResourceLimits(text: text), text)
        }
    }

    // MARK: Bytes.short

    func testBytesShort() {
        XCTAssertEqual(Bytes.short(0), "0")
        XCTAssertEqual(Bytes.short(900), "900")
        XCTAssertEqual(Bytes.short(1023), "1023")
        XCTAssertEqual(Bytes.short(1024), "1K")
        XCTAssertEqual(Bytes.short(1536), "1.5K")
        XCTAssertEqual(Bytes.short(512 << 10), "512K")
        XCTAssertEqual(Bytes.short(64 << 20), "64M")
        XCTAssertEqual(Bytes.short(3 << 29), "1.5G")
        XCTAssertEqual(Bytes.short(1_000_000_000), "953.7M")
        XCTAssertEqual(Bytes.short((1 << 20) + 1), "1.0M", "one decimal where it is not whole")
        XCTAssertEqual(Bytes.short(1 << 40), "1T")
        XCTAssertEqual(Bytes.short(1 << 50), "1024T", "T is the largest unit")
    }

    func testBytesShortOfTheLargestFiguresDoesNotOverflow() {
        XCTAssertEqual(Bytes.short(Int64.max), "8388608.0T")
        XCTAssertEqual(Bytes.short(Int64.max - (1 << 40)), "8388607.0T")
        XCTAssertEqual(Bytes.short(1 << 62), "4194304T")
    }
}

/// What a run used: the `usage` event's value, read back by replay.
final class ResourceUsageTests: XCTestCase {
    func testTextAndBack() {
        let u = ResourceUsage(cpuSeconds: 12.345, memoryPeak: 67_108_864, oom: 1)
        XCTAssertEqual(u.text, "cpu=12.345 memory.peak=67108864 oom=1")
        XCTAssertEqual(ResourceUsage(text: u.text), u)
        let noPeak = ResourceUsage(cpuSeconds: 2, memoryPeak: nil, oom: 0)
        XCTAssertEqual(noPeak.text, "cpu=2 oom=0")
        XCTAssertEqual(ResourceUsage(text: noPeak.text), noPeak)
    }

    func testCPUSecondsAreKeptToTheMillisecond() {
        let u = ResourceUsage(cpuSeconds: 1.23456, memoryPeak: nil, oom: 0)
        XCTAssertEqual(u.text, "cpu=1.235 oom=0")
        XCTAssertEqual(ResourceUsage(text: u.text)?.cpuSeconds, 1.235)
    }

    func testKeysALaterReleaseAddsAreSkipped() {
        XCTAssertEqual(ResourceUsage(text: "cpu=1.5 io.read=4096 memory.peak=100 oom=2 swap.peak=0"),
                       ResourceUsage(cpuSeconds: 1.5, memoryPeak: 100, oom: 2))
        XCTAssertEqual(ResourceUsage(text: "cpu=0.25"), ResourceUsage(cpuSeconds: 0.25, memoryPeak: nil, oom: 0), "oom is 0 when absent")
    }

    func testTextWithoutCPUOrWithAWordThatIsNoKeyIsNothing() {
        for text in ["", "memory.peak=100 oom=0", "cpu=lots oom=0", "cpu=1 garbage"] {
            XCTAssertNil(ResourceUsage(text: text), text)
        }
    }

    func testDescription() {
        XCTAssertEqual(ResourceUsage(cpuSeconds: 12.345, memoryPeak: 64 << 20, oom: 1).description,
                       "cpu 12.3 s, memory peak 64M, 1 killed for memory")
        XCTAssertEqual(ResourceUsage(cpuSeconds: 0.04, memoryPeak: nil, oom: 0).description, "cpu 0.0 s")
    }
}
