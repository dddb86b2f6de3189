import Foundation
import Synchronization

/// A wall clock the test moves, for code that takes `now` (limits' windows, cooling-off).
public final class TestClock: Sendable {
    private let moment: Mutex<Date>
    public var now: Date { moment.withLock { $0 } }
    public func set(_ date: Date) { moment.withLock { $0 = date } }
    public func advance(_ interval: TimeInterval) { moment.withLock { $0 = $0.addingTimeInterval(interval) } }

    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        self.moment = Mutex(start)
    }
}
