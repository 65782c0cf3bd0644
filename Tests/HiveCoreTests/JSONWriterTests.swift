import Foundation
import XCTest
@testable import HiveCore

final class JSONWriterTests: XCTestCase {
    func testKeysInTheOrderGiven() {
        var w = JSONWriter()
        w.string("z", "last?")
        w.int("a", -3)
        w.bool("t", true)
        w.bool("f", false)
        w.null("n")
        w.stringOrNull("s", nil)
        w.intOrNull("i", nil)
        w.intOrNull("j", 7)
        w.stringOrNull("k", "v")
        w.double("d", 0.4213)
        w.raw("o", #"{"x":1}"#)
        XCTAssertEqual(w.result, #"{"z":"last?","a":-3,"t":true,"f":false,"n":null,"s":null,"i":null,"j":7,"k":"v","d":0.4213,"o":{"x":1}}"#)
    }

    func testEmptyObject() {
        XCTAssertEqual(JSONWriter().result, "{}")
    }

    func testNumbers() {
        XCTAssertEqual(JSONWriter.number(1), "1")
        XCTAssertEqual(JSONWriter.number(-2.0), "-2")
        XCTAssertEqual(JSONWriter.number(0.5), "0.5")
        XCTAssertEqual(JSONWriter.number(.nan), "null")
        XCTAssertEqual(JSONWriter.number(.infinity), "null")
        XCTAssertEqual(JSONWriter.number(1e20), "1e+20")
    }

    func testTenthsHaveOneDecimal() {
        XCTAssertEqual(JSONWriter.tenths(0), "0.0")
        XCTAssertEqual(JSONWriter.tenths(12.46), "12.5")
        XCTAssertEqual(JSONWriter.tenths(12.44), "12.4")
        XCTAssertEqual(JSONWriter.tenths(0.04), "0.0")
        XCTAssertEqual(JSONWriter.tenths(199.96), "200.0")
        XCTAssertEqual(JSONWriter.tenths(.nan), "0.0")
    }

    func testQuoteEscapes() {
        XCTAssertEqual(JSONWriter.quote("a\"b\\c\nd\re\tf\u{1}\u{7F}"), #""a\"b\\c\nd\re\tf\u0001\u007f""#)
        XCTAssertEqual(JSONWriter.quote("🐝 é"), "\"🐝 é\"")
    }

    func testEveryStringParsesBack() throws {
        var s = ""
        for v in 0..<0x80 { s.unicodeScalars.append(Unicode.Scalar(UInt8(v))) }
        s += "ünïcödé 🐝 \u{2028}\u{FFFF}"
        var w = JSONWriter()
        w.string(s, s)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(w.result.utf8)) as? [String: String])
        XCTAssertEqual(obj, [s: s])
    }
}
