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

    /// The defaults: two shards of one batch in flight, each gathering for 500 µs. One shard with
    /// two in flight and 100 µs made batches about three times larger in-process and ran 11–25 %
    /// faster there, but Hub88 over HTTP ran about 10 % slower (docs/benchmarks.md, "The floor
    /// under a batch").
    public init(windowMicroseconds: Int = 500, maximum: Int = 64, shards: Int = 2, inFlight: Int = 1) {
        self.windowMicroseconds = windowMicroseconds
        self.maximum = maximum
        self.shards = shards
        self.inFlight = inFlight
    }

    public var isOn: Bool { windowMicroseconds > 0 }
}
