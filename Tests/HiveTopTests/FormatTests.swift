import XCTest
@testable import HiveTop

final class FormatTests: XCTestCase {
    func testNumbers() {
        XCTAssertEqual(Format.seconds(nil), "-")
        XCTAssertEqual(Format.seconds(45), "45s")
        XCTAssertEqual(Format.seconds(125), "2m")
        XCTAssertEqual(Format.seconds(7300), "2h")
        XCTAssertEqual(Format.seconds(200_000), "2d")
        XCTAssertEqual(Format.count(950), "950")
        XCTAssertEqual(Format.count(22_350), "22.4k")
        XCTAssertEqual(Format.count(22_000), "22k")
        XCTAssertEqual(Format.count(512_400), "512k")
        XCTAssertEqual(Format.count(1_234_567), "1.23M")
        XCTAssertEqual(Format.count(nil), "-")
        XCTAssertEqual(Format.dollars(0.0464), "$0.05")
        XCTAssertEqual(Format.dollars(12.3), "$12.30")
        XCTAssertEqual(Format.dollars(nil), "-")
    }

    func testRowsFromTheRootStatusJSON() throws {
        let json = """
        [
        {"name":"auth","state":"waiting","agent":"claude","branch":"hive/auth","changed":3,"idle":4,"tool":"Edit a.c",
         "reason":"permission Edit a.c","tokens.input":26,"tokens.output":699,"cost.usd":0.0464,"attach":"tmux -L hive attach -t auth","events":17},
        {"name":"build","state":"killed","agent":"shell","branch":null,"changed":null,"idle":null,"tokens.input":null,"tokens.output":null,"cost.usd":null,"reason":"kill","exit":143},
        {"name":"lint","state":"exited","agent":"shell","reason":null,"exit":1,"message":null},
        {"state":"idle"}
        ]
        """
        let rows = try SessionRow.parse(Array(json.utf8))
        XCTAssertEqual(rows.map(\.name), ["auth", "build", "lint"])
        XCTAssertEqual(rows[1].doing, "kill", "why it ended, first")
        XCTAssertEqual(rows[2].doing, "exit 1", "else its exit code")
        XCTAssertEqual(rows[0].tokens, 725)
        XCTAssertEqual(rows[0].changed, 3)
        XCTAssertEqual(rows[0].cost, 0.0464)
        XCTAssertEqual(rows[0].doing, "permission Edit a.c", "why it waits, first")
        XCTAssertTrue(rows[0].isLive)
        XCTAssertNil(rows[1].tokens)
        XCTAssertFalse(rows[1].isLive)
        XCTAssertThrowsError(try SessionRow.parse(Array("{}".utf8)))
        XCTAssertThrowsError(try SessionRow.parse(Array("not json".utf8)))
    }
}
