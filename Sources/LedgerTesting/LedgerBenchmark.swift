import Core
import Foundation
import Ledger

/// The ledger's bet/win mix through the in-process API: `workers` concurrent loops, each
/// picking a player (uniformly, or Zipf-skewed so that a few players are hot) and playing rounds
/// as `mix` says. Players are funded first through the ledger itself. The first `warmup` of load
/// is run and not counted; then `duration` is measured.
public struct LedgerBenchmark: Sendable {
    public enum Distribution: String, Sendable, CaseIterable {
        case uniform, zipf
    }

    /// What the workers send. A round is a bet of 1.00 EUR, then a win naming it (`wins` of the
    /// rounds), or its rollback (`rollbacks`), or nothing (a loss). Besides rounds, a share of
    /// the operations (`replays`) re-send an operation applied earlier with the same key and
    /// payload, whose answer must be the first one exactly (balances included), and a share
    /// (`refusals`) are bets larger than any balance, which must be refused `insufficientFunds`.
    public struct Mix: Sendable {
        public let wins: Double
        public let rollbacks: Double
        public let replays: Double
        public let refusals: Double

        public init(wins: Double, rollbacks: Double, replays: Double, refusals: Double) {
            self.wins = wins
            self.rollbacks = rollbacks
            self.replays = replays
            self.refusals = refusals
        }

        /// A bet, then half the time a win.
        public static let betWin = Mix(wins: 0.5, rollbacks: 0, replays: 0, refusals: 0)
        /// Issue 10's mix: bet, then a win (half), a rollback (one in ten) or nothing; ~5 %
        /// replays and ~2 % refusals among all operations.
        public static let providers = Mix(wins: 0.5, rollbacks: 0.1, replays: 0.05, refusals: 0.02)
    }

    public struct Result: Sendable {
        public let operations: Int
        public let seconds: Double
        public let p50Microseconds: Int
        public let p99Microseconds: Int
        public let codes: [ResultCode: Int]
        /// By kind of operation: `bet`, `win`, `rollback`, `replay`, `refusal`.
        public let latencies: Latencies
        /// Replays whose answer was not the first answer, and refusals that were not
        /// `insufficientFunds` (counted during warm-up too): each is a failure.
        public let wrongAnswers: [String]
        public var opsPerSecond: Double { Double(operations) / seconds }
    }

    public let ledger: Ledger
    public let players: Int
    public let workers: Int
    public let duration: Duration
    public let warmup: Duration
    public let distribution: Distribution
    public let mix: Mix
    public let firstPlayer: Int64
    public let seed: UInt64
    /// Bets and wins go through the hooked API (with no hooks), as providers' calls do, and so
    /// through group commit when the ledger batches (docs/ledger.md, "Group commit").
    public let hooked: Bool

    public init(
        ledger: Ledger, players: Int, workers: Int, duration: Duration, distribution: Distribution, firstPlayer: Int64, seed: UInt64 = 1,
        hooked: Bool = false, mix: Mix = .betWin, warmup: Duration = .zero
    ) {
        self.ledger = ledger
        self.players = players
        self.workers = workers
        self.duration = duration
        self.warmup = warmup
        self.distribution = distribution
        self.mix = mix
        self.firstPlayer = firstPlayer
        self.seed = seed
        self.hooked = hooked
    }

    /// Every player's funding: far more than the benchmark's bets can spend, so only the
    /// deliberate refusals are refused.
    static let funding: Int64 = 1_000_000_000_000
    static let refusedBet: Int64 = 1_000_000_000_000_000

    public func fundPlayers() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    for index in stride(from: worker, to: players, by: workers) {
                        let player = firstPlayer + Int64(index)
                        let outcome = try await ledger.apply(
                            LedgerOperation(
                                key: IdempotencyKey(scope: "bench", key: "fund-\(player)"), player: PlayerID(player), currency: "EUR",
                                movement: .deposit(units: Self.funding, gateway: .payments("bench"))))
                        guard outcome.code == .ok else { throw BenchmarkError.funding(outcome.code) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private struct WorkerResult: Sendable {
        var operations = 0
        var latencies = Latencies()
        var codes: [ResultCode: Int] = [:]
        var wrongAnswers: [String] = []
    }

    public func run() async throws -> Result {
        let cumulative = distribution == .zipf ? Self.zipfCumulative(count: players, exponent: 1.1) : []
        let start = ContinuousClock.now
        let measured = start + warmup
        let deadline = measured + duration
        let perWorker = try await withThrowingTaskGroup(of: WorkerResult.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var random = SplitMix64(seed: seed &+ UInt64(worker) &* 0x2545_F491_4F6C_DD1D)
                    var result = WorkerResult()
                    var counter = 0
                    var pending: [LedgerOperation] = []
                    // Operations applied (`ok`, not replays) lately, with their answers: what a replay re-sends.
                    var applied: [(LedgerOperation, Outcome)] = []
                    let clock = ContinuousClock()
                    while clock.now < deadline {
                        let draw = random.nextUnit()
                        let kind: String
                        let operation: LedgerOperation
                        var first: Outcome?
                        counter += 1
                        if draw < mix.refusals {
                            kind = "refusal"
                            operation = LedgerOperation(
                                key: IdempotencyKey(scope: "bench", key: "s\(seed)-w\(worker)-\(counter)-refused"),
                                player: player(&random, cumulative), currency: "EUR",
                                movement: .bet(units: Self.refusedBet, house: .games("bench")))
                        } else if draw < mix.refusals + mix.replays, !applied.isEmpty {
                            kind = "replay"
                            let replayed = applied[random.next(in: 0...(applied.count - 1))]
                            operation = replayed.0
                            first = replayed.1
                        } else if !pending.isEmpty {
                            operation = pending.removeFirst()
                            kind = operation.movement.kind
                        } else {
                            let player = player(&random, cumulative)
                            let bet = IdempotencyKey(scope: "bench", key: "s\(seed)-w\(worker)-\(counter)")
                            operation = LedgerOperation(
                                key: bet, player: player, currency: "EUR", movement: .bet(units: 100_000, house: .games("bench")))
                            kind = "bet"
                            let roll = random.nextUnit()
                            if roll < mix.wins {
                                pending.append(
                                    LedgerOperation(
                                        key: IdempotencyKey(scope: "bench", key: "s\(seed)-w\(worker)-\(counter)-win"), player: player,
                                        currency: "EUR",
                                        movement: .win(units: Int64(random.next(in: 1...200_000)), house: .games("bench"), bet: bet)))
                            } else if roll < mix.wins + mix.rollbacks {
                                pending.append(
                                    LedgerOperation(
                                        key: IdempotencyKey(scope: "bench", key: "s\(seed)-w\(worker)-\(counter)-rollback"),
                                        player: player, currency: "EUR", movement: .rollback(of: bet)))
                            }
                        }
                        let began = clock.now
                        let outcome = try await apply(operation)
                        let elapsed = clock.now - began
                        switch kind {
                        case "replay":
                            if !(outcome.replayed && first.map(outcome.sameResult(as:)) == true) {
                                result.wrongAnswers.append(
                                    "replay of \(operation.key): \(outcome), first \(first.map { "\($0)" } ?? "none")")
                            }
                        case "refusal":
                            if outcome.code != .insufficientFunds {
                                result.wrongAnswers.append("refusal \(operation.key): \(outcome.code)")
                            }
                        default:
                            if outcome.code == .ok && mix.replays > 0 {
                                if applied.count == 64 { applied.remove(at: random.next(in: 0...63)) }
                                applied.append((operation, outcome))
                            }
                        }
                        guard began >= measured else { continue }
                        result.operations += 1
                        result.latencies.record(elapsed, as: "all", kind)
                        result.codes[outcome.code, default: 0] += 1
                    }
                    return result
                }
            }
            return try await group.reduce(into: WorkerResult()) {
                $0.operations += $1.operations
                $0.latencies.merge($1.latencies)
                $0.codes.merge($1.codes, uniquingKeysWith: +)
                $0.wrongAnswers += $1.wrongAnswers
            }
        }
        let elapsed = ContinuousClock.now - measured
        let all = perWorker.latencies.summary("all")
        return Result(
            operations: perWorker.operations,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            p50Microseconds: all.p50Microseconds, p99Microseconds: all.p99Microseconds, codes: perWorker.codes,
            latencies: perWorker.latencies, wrongAnswers: perWorker.wrongAnswers)
    }

    private func player(_ random: inout SplitMix64, _ cumulative: [Double]) -> PlayerID {
        let index = cumulative.isEmpty ? random.next(in: 0...(players - 1)) : Self.sample(cumulative, &random)
        return PlayerID(firstPlayer + Int64(index))
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
        let u = random.nextUnit()
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
    fileprivate func apply(_ operation: LedgerOperation) async throws -> Outcome {
        guard hooked else { return try await ledger.apply(operation) }
        switch try await ledger.apply(operation, checks: [], followUps: [], hookArguments: [:]) {
        case .ledger(let outcome): return outcome
        case .refused(let refusal, _): throw LedgerError.unexpectedResult("no check ran, yet one refused: \(refusal)")
        }
    }
}
