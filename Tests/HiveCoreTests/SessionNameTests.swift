import XCTest
@testable import HiveCore

final class SessionNameTests: XCTestCase {
    func testOrdinaryNamesAreAccepted() {
        for name in ["auth-feature", "a", "A", "0", "9lives", "fix_bug.2", "x-y_z.w", "a..b", "a-", "a.", "CamelCase"] {
            XCTAssertTrue(SessionName.isValid(name), name)
            XCTAssertEqual(assertNoThrow(name) { () throws(HiveError) in try SessionName.validate(name) }, name)
        }
    }

    func testSixtyFourCharactersIsTheLongestName() {
        let name = "a" + String(repeating: "b", count: 63)
        XCTAssertEqual(name.count, 64)
        XCTAssertTrue(SessionName.isValid(name))
    }

    func testSixtyFiveCharactersIsRefused() {
        let name = String(repeating: "a", count: 65)
        let e = assertThrows(.EINVAL) { () throws(HiveError) in try SessionName.validate(name) }
        XCTAssertEqual(e?.reason.contains("64"), true, "the reason gives the limit: \(e?.reason ?? "")")
    }

    func testEmptyNameIsRefused() {
        assertThrows(.EINVAL) { () throws(HiveError) in try SessionName.validate("") }
    }

    func testPathLikeNamesAreRefused() {
        for name in [".", "..", "a/b", "/a", "a/", ".x", ".hidden", "-a", "_a", "~"] {
            assertThrows(.EINVAL, name) { () throws(HiveError) in try SessionName.validate(name) }
            XCTAssertFalse(SessionName.isValid(name), name)
        }
    }

    func testCharactersOutsideTheSetAreRefused() {
        for name in ["a b", "a\tb", "a\nb", "a:b", "a;b", "a$b", "a*b", "é", "naïve", "a\u{0}b", "a\\b", "a'b", "a\"b", "a@b"] {
            assertThrows(.EINVAL, name.debugDescription) { () throws(HiveError) in try SessionName.validate(name) }
        }
    }

    func testRootNamesAreReserved() {
        for name in ["status", "control", "events", "history", "spool"] {
            let e = assertThrows(.EINVAL, name) { () throws(HiveError) in try SessionName.validate(name) }
            XCTAssertEqual(e?.reason.contains(name), true)
        }
    }

    func testReservedCheckIsExactMatch() {
        for name in ["Status", "status2", "controls", "history-1", "events.old"] {
            XCTAssertTrue(SessionName.isValid(name), name)
        }
    }

    func testReservedCoversEveryRootFile() {
        for f in RootFile.allCases {
            XCTAssertTrue(SessionName.reserved.contains(f.rawValue), f.rawValue)
        }
        XCTAssertTrue(SessionName.reserved.contains("history"))
    }

    func testReasonShowsControlCharactersEscaped() {
        let e = assertThrows(.EINVAL) { () throws(HiveError) in try SessionName.validate("a\nb") }
        XCTAssertEqual(e?.reason.contains("a\\nb"), true, e?.reason ?? "")
    }
}
