import XCTest
@testable import HiveCore

final class DurationsTests: XCTestCase {
    private func parse(_ s: String, file: StaticString = #filePath, line: UInt = #line) -> Int64? {
        assertNoThrow(s, file: file, line: line) { () throws(HiveError) in try Durations.parse(s) }
    }

    func testUnits() {
        XCTAssertEqual(parse("90"), 90)
        XCTAssertEqual(parse("90s"), 90)
        XCTAssertEqual(parse("30m"), 1800)
        XCTAssertEqual(parse("2h"), 7200)
        XCTAssertEqual(parse("1d"), 86400)
    }

    func testCombinations() {
        XCTAssertEqual(parse("1h30m"), 5400)
        XCTAssertEqual(parse("1d2h3m4s"), 86400 + 7200 + 180 + 4)
        XCTAssertEqual(parse("1m30"), 90)
    }

    func testLeadingZeros() {
        XCTAssertEqual(parse("05m"), 300)
    }

    func testAYearIsTheLongest() {
        XCTAssertEqual(parse("365d"), 365 * 86400)
        XCTAssertEqual(parse("8760h"), 365 * 86400)
        assertThrows(.ERANGE) { () throws(HiveError) in try Durations.parse("366d") }
        assertThrows(.ERANGE) { () throws(HiveError) in try Durations.parse("31536001") }
    }

    func testZeroIsERANGE() {
        for s in ["0", "0s", "0m0s", "00"] {
            assertThrows(.ERANGE, s) { () throws(HiveError) in try Durations.parse(s) }
        }
    }

    func testOverflowIsERANGE() {
        for s in ["99999999999999999999", "9223372036854775807d", "9223372036854775807s1"] {
            assertThrows(.ERANGE, s) { () throws(HiveError) in try Durations.parse(s) }
        }
    }

    func testOverflowBeforeAUnitIsERANGE() {
        // "99999999999999999999" is ERANGE, but the same number before a unit is
        // EINVAL: Durations.swift:21 reports every failed Int64(digits) as malformed.
        assertThrows(.ERANGE) { () throws(HiveError) in try Durations.parse("99999999999999999999s") }
    }

    func testMalformedIsEINVAL() {
        for s in ["", "m", "h1", "soon", "1x", "1.5h", "-5m", "+5m", "30 m", " 30m", "2H", "1w", "1hh", "٣m", "30m\n"] {
            assertThrows(.EINVAL, s.debugDescription) { () throws(HiveError) in try Durations.parse(s) }
        }
    }
}
