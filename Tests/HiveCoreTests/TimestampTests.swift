import Foundation
import XCTest
@testable import HiveCore

final class TimestampTests: XCTestCase {
    func testRFC3339WithMilliseconds() {
        XCTAssertEqual(Timestamp(milliseconds: 1_795_514_531_512).rfc3339, "2026-11-24T10:02:11.512Z")
        XCTAssertEqual(Timestamp(milliseconds: 0).rfc3339, "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(Timestamp(milliseconds: 1_795_514_400_007).rfc3339, "2026-11-24T10:00:00.007Z")
        XCTAssertEqual(Timestamp(milliseconds: 1_795_514_400_070).rfc3339, "2026-11-24T10:00:00.070Z")
    }

    func testDescriptionIsRFC3339() {
        XCTAssertEqual(t(512).description, "2026-11-24T10:00:00.512Z")
        XCTAssertEqual("\(t(1))", "2026-11-24T10:00:00.001Z")
    }

    func testLeapDayAndYearEnd() {
        // 2028-02-29T23:59:59.999Z
        XCTAssertEqual(Timestamp(milliseconds: 1_835_481_599_999).rfc3339, "2028-02-29T23:59:59.999Z")
        // 2026-12-31T23:59:59.000Z
        XCTAssertEqual(Timestamp(milliseconds: 1_798_761_599_000).rfc3339, "2026-12-31T23:59:59.000Z")
    }

    func testAlwaysTheSameShape() {
        for ms in [Int64(0), 1, 999, 1_000, 86_399_999, 1_795_514_531_512, 4_102_444_800_000] {
            let s = Timestamp(milliseconds: ms).rfc3339
            XCTAssertEqual(s.count, 24, s)
            XCTAssertNotNil(s.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression), s)
        }
    }

    func testCompactForm() {
        XCTAssertEqual(Timestamp(milliseconds: 1_795_514_531_512).compact, "20261124T100211Z")
        XCTAssertEqual(Timestamp(milliseconds: 0).compact, "19700101T000000Z")
    }

    func testParseRoundTrip() {
        for ms in [Int64(0), 1, 999, 1_795_514_531_512, 1_835_481_599_999, 4_102_444_800_123] {
            let ts = Timestamp(milliseconds: ms)
            XCTAssertEqual(Timestamp(rfc3339: ts.rfc3339), ts, ts.rfc3339)
        }
    }

    func testParseWithoutMilliseconds() {
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-24T10:02:11Z")?.milliseconds, 1_795_514_531_000)
    }

    func testParseRefusesOtherShapes() {
        for s in ["", "now", "2026-11-24", "2026-11-24T10:02:11.512", "2026-11-24 10:02:11.512Z",
                  "2026-11-24T10:02:11.512+00:00", "20261124T100211Z", "2026/11/24T10:02:11Z", "2026-1x-24T10:02:11Z",
                  "２０２６-11-24T10:02:11Z"] {
            XCTAssertNil(Timestamp(rfc3339: s), s)
        }
    }

    func testParseRefusesWhatItCannotReadExactly() {
        // The parser checks only positions 4 and 10 and the final Z, then lets timegm
        // normalise: out-of-range fields, wrong separators and junk before the Z are
        // accepted and turned into a different time; a fraction other than 3 digits
        // is silently read as .000.
        XCTAssertNil(Timestamp(rfc3339: "2026-02-30T10:00:00.000Z"), "30 February")
        XCTAssertNil(Timestamp(rfc3339: "2026-13-01T10:00:00.000Z"), "month 13")
        XCTAssertNil(Timestamp(rfc3339: "2026-11-24T25:61:61.000Z"), "hour 25")
        XCTAssertNil(Timestamp(rfc3339: "2026-11-24T10x02x11.512Z"), "separators")
        XCTAssertNil(Timestamp(rfc3339: "2026-11-24T10:02:11junkZ"), "junk before Z")
        let half = Timestamp(rfc3339: "2026-11-24T10:02:11.5Z")
        XCTAssertTrue(half == nil || half?.milliseconds == 1_795_514_531_500, "'.5' is 500 ms, not 0: \(String(describing: half))")
    }

    func testOrderingAndSecondsUntil() {
        XCTAssertLessThan(t(0), t(1))
        XCTAssertEqual(t(0).seconds(until: t(59_999)), 59)
        XCTAssertEqual(t(0).seconds(until: t(60_000)), 60)
        XCTAssertEqual(t(5_000).seconds(until: t(0)), 0, "never negative")
    }

    func testSecondsAndNanoseconds() {
        let ts = Timestamp(milliseconds: 1_795_514_531_512)
        XCTAssertEqual(Int64(ts.seconds), 1_795_514_531)
        XCTAssertEqual(ts.nanosecondsPart, 512_000_000)
    }

    func testNowIsCloseToTheSystemClock() {
        let sys = Int64(Date().timeIntervalSince1970 * 1000)
        let now = Timestamp.now().milliseconds
        XCTAssertLessThan(abs(now - sys), 5_000)
    }

    func testCodableAsAString() throws {
        let data = try JSONEncoder().encode([t(512)])
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["2026-11-24T10:00:00.512Z"]"#)
        XCTAssertEqual(try JSONDecoder().decode([Timestamp].self, from: data), [t(512)])
        XCTAssertThrowsError(try JSONDecoder().decode([Timestamp].self, from: Data(#"["yesterday"]"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode([Timestamp].self, from: Data("[1795514400000]".utf8)))
    }
}
