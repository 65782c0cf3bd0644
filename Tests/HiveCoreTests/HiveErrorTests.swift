import Foundation
import XCTest
@testable import HiveCore

final class HiveErrorTests: XCTestCase {
    func testConstructorsCarryTheErrnoTheDesignNames() {
        let cases: [(HiveError, Err)] = [
            (.invalid("x"), .EINVAL),
            (.busy("x"), .EBUSY),
            (.notRunning("x"), .ESRCH),
            (.exists("x"), .EEXIST),
            (.tooBig("x"), .E2BIG),
            (.range("x"), .ERANGE),
            (.denied("x"), .EACCES),
            (.notFound("x"), .ENOENT),
            (.io("x"), .EIO),
            (.unsupported("x"), .ENOTSUP),
        ]
        for (error, expected) in cases {
            XCTAssertEqual(error.errno.rawValue, expected.code, expected.rawValue)
            XCTAssertEqual(error.errnoName, expected.rawValue)
            XCTAssertEqual(error.reason, "x")
        }
    }

    func testErrnoComparesWithSystemPackageCases() {
        XCTAssertEqual(HiveError.invalid("x").errno, .invalidArgument)
        XCTAssertEqual(HiveError.busy("x").errno, .resourceBusy)
        XCTAssertEqual(HiveError.tooBig("x").errno, .argListTooLong)
        XCTAssertNotEqual(HiveError.busy("x").errno, .invalidArgument)
    }

    func testDescriptionLeadsWithTheErrnoName() {
        XCTAssertEqual(HiveError.busy("alpha is paused").description, "EBUSY: alpha is paused")
    }

    func testOtherNamedErrnos() {
        XCTAssertEqual(ErrnoNames.name(of: .notPermitted), "EPERM")
        XCTAssertEqual(ErrnoNames.name(of: .improperLink), "EXDEV")
        XCTAssertEqual(ErrnoNames.name(of: .readOnlyFileSystem), "EROFS")
        XCTAssertEqual(ErrnoNames.name(of: .directoryNotEmpty), "ENOTEMPTY")
        XCTAssertEqual(ErrnoNames.name(of: .notDirectory), "ENOTDIR")
        XCTAssertEqual(ErrnoNames.name(of: .isDirectory), "EISDIR")
        XCTAssertEqual(ErrnoNames.name(of: .noSpace), "ENOSPC")
    }

    func testUnnamedErrnoFallsBackToItsNumber() {
        let e = HiveError(.addressInUse, "x")
        XCTAssertEqual(e.errnoName, "E\(Foundation.EADDRINUSE)")
        XCTAssertEqual(HiveError(.badFileDescriptor, "x").errnoName, "EBADF")
    }

    func testEqualityComparesErrnoAndReason() {
        XCTAssertEqual(HiveError.invalid("a"), HiveError(.invalidArgument, "a"))
        XCTAssertNotEqual(HiveError.invalid("a"), HiveError.invalid("b"))
        XCTAssertNotEqual(HiveError.invalid("a"), HiveError.range("a"))
    }
}
