import Core
import Crypto
import Foundation
import Ledger

/// A seeded simulation of many players betting, winning, rolling back, retrying and
/// duplicating at once, with payouts that keep a fee and chargebacks that leave debts, checked step by step against a model of the rules and finally by the
/// auditor. Each player's steps run in order (players run concurrently), so a seed always
/// produces the same final balances; a failure names the seed, player and step that replay it.
public struct LedgerSimulation: Sendable {
    public struct Configuration: Sendable {
        public var seed: UInt64
        public var players: Int
        public var operations: Int
        public var concurrency: Int
        public var firstPlayer: Int64
        /// Bets, wins and rollbacks through player protection's hooks, some players under limits;
        /// nil: straight to the ledger.
        public var protection: SimulatedProtection?

        public init(
            seed: UInt64, players: Int, operations: Int, concurrency: Int = 16, firstPlayer: Int64 = 1_000_000,
            protection: SimulatedProtection? = nil
        ) {
            self.seed = seed
            self.players = players
            self.operations = operations
            self.concurrency = concurrency
            self.firstPlayer = firstPlayer
            self.protection = protection
        }
    }

    public struct Report: Sendable {
        public let operations: Int
        /// Applied operations sent again at the end, each checked to return its stored outcome.
        public let finalReplays: Int
        public let codes: [ResultCode: Int]
        /// Bets a hook refused (player protection's `limitReached`), by code.
        public let refusals: [String: Int]
        /// Limit changes asked for, each checked to apply now or wait as the model says.
        public let limitChanges: Int
        /// Steps whose outcome differed from the model: "seed S player P step N: …".
        public let divergences: [String]
        /// SHA-256 over every player's final balances; equal seeds give equal digests.
        public let balancesDigest: String
        public let elapsed: Duration
    }

    public let ledger: Ledger
    public let configuration: Configuration

    public init(ledger: Ledger, configuration: Configuration) {
        self.ledger = ledger
        self.configuration = configuration
    }

    public func run() async throws -> Report {
        let start = ContinuousClock.now
        let perPlayer = max(1, configuration.operations / max(1, configuration.players))
        var results: [PlayerResult] = []
        try await withThrowingTaskGroup(of: PlayerResult.self) { group in
            var next = 0
            func launch() {
                let index = next
                next += 1
                group.addTask { try await self.play(player: index, steps: perPlayer) }
            }
            for _ in 0..<min(configuration.concurrency, configuration.players) { launch() }
            while let result = try await group.next() {
                results.append(result)
                if next < configuration.players { launch() }
            }
        }
        results.sort { $0.player < $1.player }
        var codes: [ResultCode: Int] = [:]
        var refusals: [String: Int] = [:]
        for result in results {
            codes.merge(result.codes, uniquingKeysWith: +)
            refusals.merge(result.refusals, uniquingKeysWith: +)
        }
        let summary = results.map { "\($0.player):\($0.final.real):\($0.final.bonus):\($0.final.locked)" }.joined(separator: "\n")
        return Report(
            operations: results.reduce(0) { $0 + $1.operations }, finalReplays: results.reduce(0) { $0 + $1.replays }, codes: codes,
            refusals: refusals, limitChanges: results.reduce(0) { $0 + $1.limitChanges }, divergences: results.flatMap(\.divergences),
            balancesDigest: Hex.encode(SHA256.hash(data: Data(summary.utf8))),
            elapsed: ContinuousClock.now - start)
    }

    struct PlayerResult: Sendable {
        let player: Int64
        let operations: Int
        let replays: Int
        let codes: [ResultCode: Int]
        let refusals: [String: Int]
        let limitChanges: Int
        let divergences: [String]
        let final: Balances
    }

    /// One player's script, generated and checked step by step.
    private func play(player index: Int, steps: Int) async throws -> PlayerResult {
        var random = SplitMix64(seed: configuration.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let script = PlayerScript(simulation: self, player: PlayerID(configuration.firstPlayer + Int64(index)), index: index)
        let games = HouseAccount.games("simulator")
        let gateway = HouseAccount.payments("simulator")
        var model: PlayerModel { script.model }

        try await script.apply(
            0, script.operation(script.newKey(), .deposit(units: Int64(random.next(in: 1_000...100_000)), gateway: gateway)))
        try await script.setInitialLimits()
        var step = 1
        while script.operations < steps {
            try await script.maybeChangeALimit(step)
            let roll = random.next(in: 0...99)
            switch roll {
            case 0..<30:
                let ceiling = model.balances.real + model.balances.bonus + 50
                try await script.apply(
                    step, script.operation(script.newKey(), .bet(units: Int64(random.next(in: 1...max(1, Int(ceiling)))), house: games)))
            case 30..<48:
                let bet = model.betKeys.isEmpty ? nil : model.betKeys[random.next(in: 0...(model.betKeys.count - 1))]
                try await script.apply(
                    step, script.operation(script.newKey(), .win(units: Int64(random.next(in: 1...5_000)), house: games, bet: bet)))
            case 48..<56 where !model.betKeys.isEmpty:
                try await script.apply(
                    step, script.operation(script.newKey(), .rollback(of: model.betKeys[random.next(in: 0...(model.betKeys.count - 1))])))
            case 56..<60:
                // The provider gave up on a bet we never saw, then the bet arrives late.
                let lost = script.newKey()
                try await script.apply(step, script.operation(script.newKey(), .rollback(of: lost)))
                try await script.apply(step, script.operation(lost, .bet(units: 10, house: games)))
            case 60..<70 where !model.applied.isEmpty:
                let previous = model.applied[random.next(in: 0...(model.applied.count - 1))]
                try await script.apply(step, previous)
            case 70..<74 where !model.applied.isEmpty:
                let previous = model.applied[random.next(in: 0...(model.applied.count - 1))]
                try await script.apply(
                    step,
                    LedgerOperation(
                        key: previous.key, player: script.player, currency: "EUR", movement: .adjustment(units: 1),
                        metadata: ["round": "changed"]))
            case 74..<78:
                // The same new operation sent twice at once: one applies, both see its result.
                try await script.applyTwins(
                    step, script.operation(script.newKey(), .bet(units: Int64(random.next(in: 1...500)), house: games)))
            case 78..<81:
                try await script.apply(
                    step, script.operation(script.newKey(), .deposit(units: Int64(random.next(in: 100...20_000)), gateway: gateway)))
            case 81..<83 where !model.depositKeys.isEmpty:
                // Sometimes more than the balance (a debt), sometimes more than is left of the
                // deposit (refused), now and then naming a bet (refused).
                let named =
                    random.next(in: 0...9) == 0 && !model.betKeys.isEmpty
                    ? model.betKeys[random.next(in: 0...(model.betKeys.count - 1))]
                    : model.depositKeys[random.next(in: 0...(model.depositKeys.count - 1))]
                let units = Int64(random.next(in: 1...max(1, Int(model.balances.real) + 5_000)))
                try await script.apply(step, script.operation(script.newKey(), .chargeback(units: units, gateway: gateway, deposit: named)))
            case 83..<88:
                // A withdrawal's hold, or now and then a compliance freeze: both real → locked.
                let units = Int64(random.next(in: 1...max(1, Int(model.balances.real) + 10)))
                try await script.apply(
                    step,
                    script.operation(script.newKey(), random.next(in: 0...3) == 0 ? .freeze(units: units) : .withdrawalHold(units: units)))
            case 88..<92 where !model.openFreezes.isEmpty && random.next(in: 0...2) == 0:
                // An unfreeze, sometimes twice for one freeze (the second is alreadySettled).
                let freeze = model.openFreezes[random.next(in: 0...(model.openFreezes.count - 1))]
                try await script.apply(step, script.operation(script.newKey(), .unfreeze(freeze: freeze)))
                if random.next(in: 0...3) == 0 {
                    try await script.apply(step, script.operation(script.newKey(), .unfreeze(freeze: freeze)))
                }
            case 88..<92 where !model.openHolds.isEmpty:
                let hold = model.openHolds[random.next(in: 0...(model.openHolds.count - 1))]
                // A fee, now and then more than the hold (refused).
                let fee = random.next(in: 0...2) == 0 ? Int64(random.next(in: 1...2_000)) : 0
                let movement: Movement =
                    random.next(in: 0...1) == 0 ? .withdrawalPost(hold: hold, gateway: gateway, fee: fee) : .withdrawalVoid(hold: hold)
                try await script.apply(step, script.operation(script.newKey(), movement))
            case 92..<96:
                try await script.apply(step, script.operation(script.newKey(), .bonusGrant(units: Int64(random.next(in: 100...5_000)))))
            case 96..<100:
                // A conversion or a forfeit, now and then of more than the bonus balance (refused).
                let units = Int64(random.next(in: 1...max(1, Int(model.balances.bonus) + 10)))
                try await script.apply(
                    step,
                    script.operation(
                        script.newKey(), random.next(in: 0...1) == 0 ? .bonusConvert(units: units) : .bonusForfeit(units: units)))
            default:
                try await script.apply(step, script.operation(script.newKey(), .bet(units: 1, house: games)))
            }
            step += 1
        }
        return try await script.finish()
    }
}
