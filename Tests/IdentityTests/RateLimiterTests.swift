import Foundation
import TestSupport
import Testing

@testable import Identity

@Suite struct RateLimiterTests {
    @Test func aBucketIsRefusedPastItsLimitUntilTheNextWindow() async throws {
        try await TestDatabase.with { database in
            let limiter = RateLimiter(database: database, logger: TestServices.logger)
            let rule = RateLimiter.Rule(limit: 3, window: 60)
            let now = Date(timeIntervalSince1970: 1_800_000_010)
            for _ in 0..<3 { #expect(try await limiter.hit("ip:10.0.0.1", rule: rule, now: now) == nil) }
            let retry = try await limiter.hit("ip:10.0.0.1", rule: rule, now: now)
            #expect(retry == Date(timeIntervalSince1970: 1_800_000_060), "the window ends on the minute")
            #expect(try await limiter.hit("ip:10.0.0.2", rule: rule, now: now) == nil, "buckets are independent")
            #expect(try await limiter.hit("ip:10.0.0.1", rule: rule, now: now.addingTimeInterval(60)) == nil, "a new window starts afresh")
        }
    }
}
