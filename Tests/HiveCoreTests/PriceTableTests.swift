import Foundation
import XCTest
@testable import HiveCore

final class PriceTableTests: XCTestCase {
    private func assertPrice(_ table: PriceTable, _ model: String, _ input: Double, _ output: Double,
                             file: StaticString = #filePath, line: UInt = #line) {
        guard let p = table.price(model) else { return XCTFail("\(model) has no price", file: file, line: line) }
        XCTAssertEqual(p.input, input, model, file: file, line: line)
        XCTAssertEqual(p.output, output, model, file: file, line: line)
    }

    func testTheLongestPrefixWins() {
        assertPrice(.standard, "claude-opus-4-5-20251101", 5, 25)
        assertPrice(.standard, "claude-opus-4-6", 5, 25)
        assertPrice(.standard, "claude-opus-4-1-20250805", 15, 75)
        assertPrice(.standard, "claude-opus-4-20250514", 15, 75)
        assertPrice(.standard, "claude-sonnet-4-5-20250929", 3, 15)
        assertPrice(.standard, "claude-sonnet-4-20250514", 3, 15)
        assertPrice(.standard, "claude-haiku-4-5-20251001", 1, 5)
        assertPrice(.standard, "claude-3-5-haiku-20241022", 0.8, 4)
        assertPrice(.standard, "claude-3-haiku-20240307", 0.25, 1.25)
        assertPrice(.standard, "claude-3-opus-20240229", 15, 75)
    }

    func testTheOrderOfEntriesDoesNotMatter() {
        for _ in 0..<20 {
            let shuffled = PriceTable(Dictionary(uniqueKeysWithValues: PriceTable.standard.entries.shuffled()
                .map { ($0.key, $0.value) }))
            assertPrice(shuffled, "claude-opus-4-5-20251101", 5, 25)
            assertPrice(shuffled, "claude-opus-4-1-20250805", 15, 75)
        }
    }

    func testNoPrefixNoPrice() {
        XCTAssertNil(PriceTable.standard.price("gpt-5"))
        XCTAssertNil(PriceTable.standard.price(""))
        XCTAssertNil(PriceTable.standard.price("<synthetic>"))
        XCTAssertNil(PriceTable.standard.price("claude-"), "a prefix of an entry is not the entry")
        XCTAssertNil(PriceTable([:]).price("claude-opus-4-5"))
    }

    func testMergingOverridesAndAdds() {
        let merged = PriceTable.standard.merging([
            "claude-opus-4-5": Price(input: 1, output: 2),
            "local-llama": Price(input: 0.5, output: 0.5, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0),
        ])
        assertPrice(merged, "claude-opus-4-5-20251101", 1, 2)
        assertPrice(merged, "claude-opus-4-1-20250805", 15, 75)
        assertPrice(merged, "local-llama-3-70b", 0.5, 0.5)
        XCTAssertEqual(merged.price("local-llama")?.cacheRead, 0)
        XCTAssertEqual(merged.entries.count, PriceTable.standard.entries.count + 1)
        assertPrice(.standard, "claude-opus-4-5-20251101", 5, 25)
        XCTAssertNil(PriceTable.standard.price("local-llama"), "the standard table is unchanged")
    }

    func testALongerOverrideBeatsAShorterStandardEntry() {
        let merged = PriceTable.standard.merging(["claude-sonnet-4-5": Price(input: 6, output: 30)])
        assertPrice(merged, "claude-sonnet-4-5-20250929", 6, 30)
        assertPrice(merged, "claude-sonnet-4-20250514", 3, 15)
    }

    func testUsualRatios() {
        let p = Price(input: 3, output: 15)
        XCTAssertEqual(p.input, 3)
        XCTAssertEqual(p.output, 15)
        XCTAssertEqual(p.cacheRead, 0.3, accuracy: 1e-12)
        XCTAssertEqual(p.cacheWrite, 3.75, accuracy: 1e-12)
        XCTAssertEqual(p.cacheWrite1h, 6, accuracy: 1e-12)
        let opus = Price(input: 5, output: 25)
        XCTAssertEqual(opus.cacheRead, 0.5, accuracy: 1e-12)
        XCTAssertEqual(opus.cacheWrite, 6.25, accuracy: 1e-12)
        XCTAssertEqual(opus.cacheWrite1h, 10, accuracy: 1e-12)
    }

    func testCost() {
        let p = Price(input: 5, output: 25)
        // 2M input × 5 + 1M output × 25 + 10M cache reads × 0.5 + (4M − 1M) × 6.25 + 1M × 10 = 10 + 25 + 5 + 18.75 + 10
        let u = TokenUsage(input: 2_000_000, output: 1_000_000, cacheRead: 10_000_000, cacheWrite: 4_000_000,
                           cacheWrite1h: 1_000_000)
        XCTAssertEqual(p.cost(u), 68.75, accuracy: 1e-9)
        XCTAssertEqual(p.cost(TokenUsage()), 0)
        XCTAssertEqual(p.cost(TokenUsage(output: 1)), 0.000025, accuracy: 1e-15)
    }

    func testMoney() {
        XCTAssertEqual(JSONWriter.money(0), "0.0000")
        XCTAssertEqual(JSONWriter.money(0.42134), "0.4213")
        XCTAssertEqual(JSONWriter.money(0.42136), "0.4214")
        XCTAssertEqual(JSONWriter.money(-1.25), "-1.2500", "a negative amount keeps its sign")
        XCTAssertEqual(JSONWriter.money(-0.0001), "-0.0001")
        XCTAssertEqual(JSONWriter.money(2e15), "2000000000000000.0000", "no trap on absurd amounts")
        XCTAssertEqual(JSONWriter.money(12.5), "12.5000")
        XCTAssertEqual(JSONWriter.money(0.0001), "0.0001")
        XCTAssertEqual(JSONWriter.money(0.06525), "0.0653")
        XCTAssertEqual(JSONWriter.money(1234.56789), "1234.5679")
        XCTAssertEqual(JSONWriter.money(0.99999), "1.0000")
        XCTAssertEqual(JSONWriter.money(.nan), "0.0000")
        XCTAssertEqual(JSONWriter.money(.infinity), "0.0000")
    }
}
