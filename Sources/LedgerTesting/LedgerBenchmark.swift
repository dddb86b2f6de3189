import Core
import Foundation
import Ledger

/// The ledger's bet/win mix through the in-process API: `workers` concurrent loops, each
/// picking a player (uniformly, or Zipf-skewed so that a few players are hot) and placing a
/// bet, then half the time a win. Players are funded first through the ledger itself.
public struct LedgerBenchmark: Sendable {
    public enum Distribution: String, Sendable, CaseIterable {
        case uniform, zipf
    }

    public struct Result: Sendable {
        public let operations: Int
        public let seconds: Double
        public let p50Microseconds: Int
        public let p99Microseconds: Int
        public let codes: [ResultCode: Int]
        public var opsPerSecond: Double { Double(operations) / seconds }
    }

    public let ledger: Ledger
    public let players: Int
    public let workers: Int
    public let duration: Duration
    public let distribution: Distribution
    public let firstPlayer: Int64
    public let seed: UInt64
    /// Bets and wins go through the hooked API (with no hooks), as providers' calls do, and so
    /// through group commit when the ledger batches (docs/ledger.md, "Group commit").
    public let hooked: Bool

    public init(
        ledger: Ledger, players: Int, workers: Int, duration: Duration, distribution: Distribution, firstPlayer: Int64, seed: UInt64 = 1,
        hooked: Bool = false
    ) {
        self.ledger = ledger
        self.players = players
        self.workers = workers
        self.duration = duration
        self.distribution = distribution
        self.firstPlayer = firstPlayer
        self.seed = seed
        self.hooked = hooked
    }

    public func fundPlayers() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    for index in stride(from: worker, to: players, by: workers) {
                        let player = firstPlayer + Int64(index)
                        let outcome = try await ledger.apply(
                            LedgerOperation(
                                key: IdempotencyKey(scope: "bench", key: "fund-\(player)"), player: PlayerID(player), currency: "EUR",
                                movement: .deposit(units: 1_000_000_000_000, gateway: .payments("bench"))))
                        guard outcome.code == .ok else { throw BenchmarkError.funding(outcome.code) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    public func run() async throws -> Result {
        let cumulative = distribution == .zipf ? Self.zipfCumulative(count: players, exponent: 1.1) : []
        let deadline = ContinuousClock.now + duration
        let start = ContinuousClock.now
        let perWorker = try await withThrowingTaskGroup(of: ([Int], [ResultCode: Int]).self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var random = SplitMix64(seed: seed &+ UInt64(worker) &* 0x2545_F491_4F6C_DD1D)
                    var latencies: [Int] = []
                    var codes: [ResultCode: Int] = [:]
                    var counter = 0
                    let clock = ContinuousClock()
                    while clock.now < deadline {
                        let index = cumulative.isEmpty ? random.next(in: 0...(players - 1)) : Self.sample(cumulative, &random)
                        let player = PlayerID(firstPlayer + Int64(index))
                        counter += 1
                        let bet = IdempotencyKey(scope: "bench", key: "s\(seed)-w\(worker)-\(counter)")
                        var operations = [
                            LedgerOperation(
                                key: bet, player: player, currency: "EUR", movement: .bet(units: 100_000, house: .games("bench")))
                        ]
                        if random.next(in: 0...1) == 0 {
                            operations.append(
                                LedgerOperation(
                                    key: IdempotencyKey(scope: "bench", key: "s\(seed)-w\(worker)-\(counter)-win"), player: player,
                                    currency: "EUR",
                                    movement: .win(units: Int64(random.next(in: 1...200_000)), house: .games("bench"), bet: bet)))
                        }
                        for operation in operations {
                            let began = clock.now
                            let code = try await apply(operation)
                            let elapsed = clock.now - began
                            latencies.append(
                                Int(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
                            codes[code, default: 0] += 1
                        }
                    }
                    return (latencies, codes)
                }
            }
            return try await group.reduce(into: [([Int], [ResultCode: Int])]()) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - start
        let latencies = perWorker.flatMap(\.0).sorted()
        var codes: [ResultCode: Int] = [:]
        for (_, workerCodes) in perWorker { codes.merge(workerCodes, uniquingKeysWith: +) }
        func percentile(_ p: Double) -> Int {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        return Result(
            operations: latencies.count,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            p50Microseconds: percentile(0.50), p99Microseconds: percentile(0.99), codes: codes)
    }

    /// P(rank k) ∝ 1 / k^s: with s = 1.1 over 2,000 players the hottest player takes ~12% of bets.
    static func zipfCumulative(count: Int, exponent: Double) -> [Double] {
        var cumulative: [Double] = []
        cumulative.reserveCapacity(count)
        var total = 0.0
        for rank in 1...count {
            total += 1.0 / pow(Double(rank), exponent)
            cumulative.append(total)
        }
        return cumulative.map { $0 / total }
    }

    static func sample(_ cumulative: [Double], _ random: inout SplitMix64) -> Int {
        let u = Double(random.next() >> 11) / Double(1 << 53)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < u { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

public enum BenchmarkError: Error, CustomStringConvertible {
    case funding(ResultCode)
    public var description: String {
        switch self {
        case .funding(let code): "funding a benchmark player failed: \(code)"
        }
    }
}

extension LedgerBenchmark {
    fileprivate func apply(_ operation: LedgerOperation) async throws -> ResultCode {
        guard hooked else { return try await ledger.apply(operation).code }
        switch try await ledger.apply(operation, checks: [], followUps: [], hookArguments: [:]) {
        case .ledger(let outcome): return outcome.code
        case .refused(let refusal, _): throw LedgerError.unexpectedResult("no check ran, yet one refused: \(refusal)")
        }
    }
}
