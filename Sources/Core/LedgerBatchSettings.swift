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

    public init(windowMicroseconds: Int = 500, maximum: Int = 64, shards: Int = 2, inFlight: Int = 1) {
        self.windowMicroseconds = windowMicroseconds
        self.maximum = maximum
        self.shards = shards
        self.inFlight = inFlight
    }

    public var isOn: Bool { windowMicroseconds > 0 }
}
