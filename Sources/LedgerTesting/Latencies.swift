/// Latencies of a benchmark's operations, in microseconds, grouped by label (an endpoint, a kind
/// of operation), with the percentiles the benchmarks print.
public struct Latencies: Sendable {
    public private(set) var byLabel: [String: [Int]] = [:]

    public init() {}

    public mutating func record(_ elapsed: Duration, as labels: String...) {
        let microseconds = Int(elapsed.components.seconds) * 1_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000)
        for label in labels { byLabel[label, default: []].append(microseconds) }
    }

    public mutating func merge(_ other: Latencies) {
        byLabel.merge(other.byLabel, uniquingKeysWith: +)
    }

    /// Count, p50 and p99 of one label.
    public func summary(_ label: String) -> Summary {
        Summary(byLabel[label] ?? [])
    }

    public struct Summary: Sendable {
        public let count: Int
        public let p50Microseconds: Int
        public let p99Microseconds: Int

        public init(_ values: [Int]) {
            let sorted = values.sorted()
            func percentile(_ p: Double) -> Int {
                sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
            }
            count = sorted.count
            p50Microseconds = percentile(0.50)
            p99Microseconds = percentile(0.99)
        }
    }
}
