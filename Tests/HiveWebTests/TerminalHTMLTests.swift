import XCTest
@testable import HiveWeb
