import Core
import Foundation
import Ledger
import Persistence

extension LedgerSimulation {
    /// What a call answered: a hook's refusal, or the ledger's outcome.
    enum Answer {
        case refused(String)
        case ledger(Outcome)
    }

    /// One player's state while their script runs: the models, what the calls answered and every
    /// divergence from the models. Used by that player's task only.
    final class PlayerScript {
        let simulation: LedgerSimulation
        let player: PlayerID
        let index: Int
        private(set) var model = PlayerModel()
        private(set) var operations = 0
        private var limits = PlayLimitModel()
        private var limitRandom: SplitMix64
        private var codes: [ResultCode: Int] = [:]
        private var refusals: [String: Int] = [:]
        private var divergences: [String] = []
        private var limitChanges = 0
        private var counter = 0

        init(simulation: LedgerSimulation, player: PlayerID, index: Int) {
            self.simulation = simulation
            self.player = player
            self.index = index
            // Its own stream, so that the limits change nothing in the steps the seed draws.
            limitRandom = SplitMix64(seed: (simulation.configuration.seed ^ 0x4C49_4D49_5453) &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        }

        var seed: UInt64 { simulation.configuration.seed }
        var ledger: Ledger { simulation.ledger }
        var protection: SimulatedProtection? { simulation.configuration.protection }

        func newKey() -> IdempotencyKey {
            counter += 1
            return IdempotencyKey(scope: "sim", key: "s\(seed)-p\(player.rawValue)-\(counter)")
        }

        func operation(_ key: IdempotencyKey, _ movement: Movement) -> LedgerOperation {
            LedgerOperation(key: key, player: player, currency: "EUR", movement: movement, metadata: ["round": key.key])
        }

        func apply(_ step: Int, _ operation: LedgerOperation) async throws {
            let day = PlayLimitModel.day(of: Date())
            let expected = expect(operation, on: day)
            let answer = try await send(operation, on: day)
            check(step, operation, answer, expected, day: day)
            record(operation, answer, on: day)
        }

        /// The same new operation sent twice at once: one applies, both see its result.
        func applyTwins(_ step: Int, _ twin: LedgerOperation) async throws {
            let day = PlayLimitModel.day(of: Date())
            let expected = expect(twin, on: day)
            let (ledger, protection) = (ledger, protection)
            async let first = Self.send(twin, on: day, ledger: ledger, protection: protection, reversedBet: nil)
            async let second = Self.send(twin, on: day, ledger: ledger, protection: protection, reversedBet: nil)
            let answers = try await [first, second]
            for answer in answers { check(step, twin, answer, expected, day: day) }
            let applied = answers.compactMap { answer -> Outcome? in
                guard case .ledger(let outcome) = answer, outcome.code == .ok, !outcome.replayed else { return nil }
                return outcome
            }
            if applied.count > 1 { divergences.append("seed \(seed) player \(player) step \(step): concurrent twins both applied") }
            record(twin, applied.first.map(Answer.ledger) ?? answers[0], on: day)
        }

        /// What the models expect: a limit refuses a bet not applied yet before the ledger sees it.
        private func expect(_ operation: LedgerOperation, on day: String) -> Answer {
            if protection != nil, case .bet(let units, _) = operation.movement, !model.isApplied(operation.key),
                limits.refuses(bet: units, on: day)
            {
                return .refused("limitReached")
            }
            return .ledger(model.expect(operation))
        }

        private func send(_ operation: LedgerOperation, on day: String) async throws -> Answer {
            var reversedBet: (day: String, units: Int64)?
            if case .rollback(let of) = operation.movement { reversedBet = limits.bet(of) }
            return try await Self.send(operation, on: day, ledger: ledger, protection: protection, reversedBet: reversedBet)
        }

        /// Bets, wins and rollbacks of bets go through protection's hooks as a provider's calls do
        /// (the counters on `day`, a rollback's on the day of the bet it reverses, `reversedBet`);
        /// everything else straight in.
        private static func send(
            _ operation: LedgerOperation, on day: String, ledger: Ledger, protection: SimulatedProtection?,
            reversedBet: (day: String, units: Int64)?
        ) async throws -> Answer {
            guard let protection else { return .ledger(try await ledger.apply(operation)) }
            let checks: [TransactionHook]
            let followUps: [TransactionHook]
            let arguments: [String: String]
            switch operation.movement {
            case .bet(let units, _):
                (checks, followUps) = (protection.betChecks, protection.betFollowUps)
                arguments = Self.hookArguments(bet: units, win: 0, day: day)
            case .win(let units, _, _):
                (checks, followUps) = ([], protection.winFollowUps)
                arguments = Self.hookArguments(bet: 0, win: units, day: day)
            case .rollback:
                // A rollback of no bet the player staked (an unknown key): no counter to take back.
                guard let bet = reversedBet else { return .ledger(try await ledger.apply(operation)) }
                (checks, followUps) = ([], protection.betFollowUps)
                arguments = Self.hookArguments(bet: -bet.units, win: 0, day: bet.day)
            default:
                return .ledger(try await ledger.apply(operation))
            }
            switch try await ledger.apply(operation, checks: checks, followUps: followUps, hookArguments: arguments) {
            case .refused(let code, _): return .refused(code)
            case .ledger(let outcome): return .ledger(outcome)
            }
        }

        static func hookArguments(bet: Int64, win: Int64, day: String) -> [String: String] {
            ["currency": "EUR", "game": "simulator", "bet": String(bet), "win": String(win), "day": day]
        }

        private func check(_ step: Int, _ operation: LedgerOperation, _ answer: Answer, _ expected: Answer, day: String) {
            operations += 1
            switch (answer, expected) {
            case (.refused(let code), .refused(let wanted)) where code == wanted:
                refusals[code, default: 0] += 1
                return
            case (.ledger(let outcome), .ledger(let wanted)):
                codes[outcome.code, default: 0] += 1
                let sameTransaction = wanted.transactionID == nil || wanted.transactionID == outcome.transactionID
                if outcome.code == wanted.code && outcome.balances == wanted.balances && sameTransaction { return }
            default:
                if case .refused(let code) = answer { refusals[code, default: 0] += 1 }
                if case .ledger(let outcome) = answer { codes[outcome.code, default: 0] += 1 }
                // A call that crossed UTC midnight: the check read the new day's counters, the
                // model the old day's. The model follows what happened.
                if PlayLimitModel.day(of: Date()) != day { return }
            }
            divergences.append(
                "seed \(seed) player \(player) step \(step): \(operation.movement) gave \(answer), model expected \(expected)")
        }

        private func record(_ operation: LedgerOperation, _ answer: Answer, on day: String) {
            guard case .ledger(let outcome) = answer else { return }
            model.record(operation, outcome: outcome)
            guard protection != nil, outcome.code == .ok, !outcome.replayed else { return }
            switch operation.movement {
            case .bet(let units, _): limits.recordBet(operation.key, units: units, on: day)
            case .win(let units, _, _): limits.recordWin(units: units, on: day)
            case .rollback(let of): limits.recordRollback(of: of)
            default: break
            }
        }

        /// A limited player (one in `limitedEvery`) starts with a daily loss limit, a wager limit
        /// or both, set through Compliance's API.
        func setInitialLimits() async throws {
            guard let protection, index % max(1, protection.limitedEvery) == 0 else { return }
            let which = limitRandom.next(in: 0...2)
            if which != 1 { try await changeLimit(0, .loss, to: Int64(limitRandom.next(in: 1_000...30_000))) }
            if which != 0 { try await changeLimit(0, .wager, to: Int64(limitRandom.next(in: 5_000...100_000))) }
        }

        /// Now and then a limited player lowers, raises or removes a limit: the model says whether
        /// it applies now, and the API must agree.
        func maybeChangeALimit(_ step: Int) async throws {
            guard let protection, index % max(1, protection.limitedEvery) == 0, limitRandom.next(in: 0...39) == 0 else { return }
            let limit: SimulatedProtection.Limit = limitRandom.next(in: 0...1) == 0 ? .loss : .wager
            let units: Int64? =
                limitRandom.next(in: 0...4) == 0
                ? nil
                : max(1, (limits.limits[limit] ?? 10_000) * Int64(limitRandom.next(in: 50...150)) / 100)
            try await changeLimit(step, limit, to: units)
        }

        private func changeLimit(_ step: Int, _ limit: SimulatedProtection.Limit, to units: Int64?) async throws {
            guard let protection else { return }
            let expected = limits.applies(limit, units)
            let applied = try await protection.setLimit(player, limit, units)
            limitChanges += 1
            if applied != expected {
                divergences.append(
                    "seed \(seed) player \(player) step \(step): setting the \(limit) limit to \(units.map(String.init) ?? "none") applied \(applied), model expected \(expected)"
                )
            }
            if applied { limits.set(limit, units) }
        }

        /// Every applied operation is sent again: each must return its stored outcome and move
        /// nothing; then the balances and the debt must be the model's.
        func finish() async throws -> PlayerResult {
            var replays = 0
            for previous in model.applied {
                let expected = model.expect(previous)
                let outcome = try await ledger.apply(previous)
                replays += 1
                if !outcome.replayed || !outcome.sameResult(as: expected) {
                    divergences.append("seed \(seed) player \(player) final replay of \(previous.key): \(outcome), expected \(expected)")
                }
            }
            let current = try await ledger.balances(of: player)["EUR"] ?? .zero
            if current != model.balances {
                divergences.append("seed \(seed) player \(player): balances \(current) after the replays, model \(model.balances)")
            }
            let owed = try await ledger.debts(of: player)["EUR"] ?? 0
            if owed != model.debt { divergences.append("seed \(seed) player \(player): owes \(owed), model \(model.debt)") }
            return PlayerResult(
                player: player.rawValue, operations: operations, replays: replays, codes: codes, refusals: refusals,
                limitChanges: limitChanges, divergences: divergences, final: model.balances)
        }
    }
}
