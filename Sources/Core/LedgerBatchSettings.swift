/// Group commit of the ledger's provider calls (docs/ledger.md, "Group commit"): how long the
/// first waiting operation holds its batch open for others, how many one batch takes at most,
/// over how many shards players are spread, and how many batches of disjoint players a shard
/// keeps in flight.
public struct LedgerBatchSettings: Sendable, Equatable {
    /// 0: no batching, every operation goes straight to the database on its own.
    public var windowMicroseconds: Int
    public var maximum: Int
    public var shards: Int
    public var inFlight: Int

    /// The defaults: one shard with two batches in flight, each gathering for 100 µs. On 2 cores,
    /// with 16 callers in-process, that made batches of about 11 where two shards of one made
    /// about 4, and ran 11–25 % faster (docs/benchmarks.md, "The floor under a batch").
    public init(windowMicroseconds: Int = 100, maximum: Int = 64, shards: Int = 1, inFlight: Int = 2) {
        self.windowMicroseconds = windowMicroseconds
        self.maximum = maximum
        self.shards = shards
        self.inFlight = inFlight
    }

    public var isOn: Bool { windowMicroseconds > 0 }
}
