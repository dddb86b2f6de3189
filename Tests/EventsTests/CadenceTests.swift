import Testing

@testable import Events

@Suite struct CadenceTests {
    @Test func isDueFirstThenOncePerInterval() {
        var cadence = Cadence(interval: .seconds(1))
        let start = ContinuousClock.now
        let offsets: [Duration] = [.zero, .zero, .milliseconds(999), .seconds(1), .milliseconds(1500), .seconds(5), .milliseconds(5500)]
        let due = offsets.map { cadence.isDue(at: start.advanced(by: $0)) }
        // A long pause makes it due at once, and the next interval counts from then.
        #expect(due == [true, false, false, true, false, true, false])
    }
}
