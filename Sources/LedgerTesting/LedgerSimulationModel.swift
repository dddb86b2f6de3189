import Core
import Ledger

/// The ledger's rules for one player in one currency, written independently of ledger_apply
/// so that the simulation can check every outcome against it.
struct PlayerModel {
    var balances = Balances.zero
    var applied: [LedgerOperation] = []
    var betKeys: [IdempotencyKey] = []
    var openHolds: [IdempotencyKey] = []
    var openFreezes: [IdempotencyKey] = []
    var depositKeys: [IdempotencyKey] = []
    /// What the player owes from chargebacks real did not cover (positive units).
    private(set) var debt: Int64 = 0
    /// Units charged back so far, by the deposit named.
    private var chargedBack: [IdempotencyKey: Int64] = [:]
    private var stored: [IdempotencyKey: (operation: LedgerOperation, outcome: Outcome, delta: Balances)] = [:]
    private var rolledBack: Set<IdempotencyKey> = []
    private var settled: Set<IdempotencyKey> = []
    private var unfrozen: Set<IdempotencyKey> = []
    /// The bet each standing win (applied, not rolled back) settles.
    private var standingWins: [IdempotencyKey: IdempotencyKey] = [:]
    private var tombstones: [IdempotencyKey: IdempotencyKey] = [:]
    private var tombstoneOperations: [IdempotencyKey: LedgerOperation] = [:]

    /// Whether the ledger holds an operation under `key` (a replay skips the hooks' checks).
    func isApplied(_ key: IdempotencyKey) -> Bool { stored[key] != nil }

    func expect(_ operation: LedgerOperation) -> Outcome {
        if let previous = stored[operation.key] {
            return previous.operation == operation
                ? Outcome(code: previous.outcome.code, transactionID: previous.outcome.transactionID, balances: previous.outcome.balances)
                : Outcome(code: .duplicateMismatch, balances: balances)
        }
        if let rollback = tombstoneOperations[operation.key] {
            return Outcome(code: rollback == operation ? .referenceNotFound : .duplicateMismatch, balances: balances)
        }
        if tombstones[operation.key] != nil { return Outcome(code: .alreadyRolledBack, balances: balances) }
        let reference = operation.movement.reference.flatMap { stored[$0] }
        if let key = operation.movement.reference, reference == nil {
            if tombstones[key] != nil { return Outcome(code: .alreadyRolledBack, balances: balances) }
            return Outcome(code: .referenceNotFound, balances: balances)
        }
        guard let delta = delta(operation, reference: reference?.delta, referenceKey: operation.movement.reference) else {
            return Outcome(code: refusal(operation), balances: balances)
        }
        let after = Balances(real: balances.real + delta.real, bonus: balances.bonus + delta.bonus, locked: balances.locked + delta.locked)
        if after.real < 0 || after.bonus < 0 || after.locked < 0 { return Outcome(code: .insufficientFunds, balances: balances) }
        return Outcome(code: .ok, balances: after)
    }

    private func refusal(_ operation: LedgerOperation) -> ResultCode {
        switch operation.movement {
        case .rollback(let of):
            rolledBack.contains(of) ? .alreadyRolledBack : standingWins.values.contains(of) ? .alreadySettled : .notReversible
        case .win(_, _, let bet?) where rolledBack.contains(bet): .alreadyRolledBack
        case .withdrawalPost(let hold, _, _) where openHolds.contains(hold): .invalidAmount
        case .withdrawalPost(let hold, _, _), .withdrawalVoid(let hold): settled.contains(hold) ? .alreadySettled : .notReversible
        case .chargeback(_, _, let deposit): depositKeys.contains(deposit) ? .invalidAmount : .notReversible
        case .unfreeze(let freeze): unfrozen.contains(freeze) ? .alreadySettled : .notReversible
        default: .insufficientFunds
        }
    }

    /// A deposit's units, and what chargebacks naming it may still take back.
    private func remaining(of deposit: IdempotencyKey) -> Int64? {
        guard case .deposit(let units, _)? = stored[deposit]?.operation.movement else { return nil }
        return units - chargedBack[deposit, default: 0]
    }

    /// A win's bonus part on a bet whose deltas are `stake`: floor(units × bonus staked / stake),
    /// in 128 bits so that the product cannot overflow.
    private func bonusShare(of units: Int64, stake: Balances) -> Int64 {
        let total = -(stake.real + stake.bonus)
        guard stake.bonus < 0, total > 0 else { return 0 }
        let product = units.multipliedFullWidth(by: -stake.bonus)
        return total.dividingFullWidth(product).quotient
    }

    /// How much of a deposit pays the debt first.
    private func settlement(of units: Int64) -> Int64 { min(units, debt) }

    /// The change to the player's balances, or nil when the rules refuse it.
    private func delta(_ operation: LedgerOperation, reference: Balances?, referenceKey: IdempotencyKey?) -> Balances? {
        switch operation.movement {
        case .bet(let units, _):
            guard units <= balances.real + balances.bonus else { return nil }
            let fromReal = min(units, balances.real)
            return Balances(real: -fromReal, bonus: -(units - fromReal), locked: 0)
        case .win(let units, _, let bet):
            if let bet, rolledBack.contains(bet) { return nil }
            let share = bet.flatMap { betKeys.contains($0) ? reference : nil }.map { bonusShare(of: units, stake: $0) } ?? 0
            return Balances(real: units - share, bonus: share, locked: 0)
        case .deposit(let units, _): return Balances(real: units - settlement(of: units), bonus: 0, locked: 0)
        case .chargeback(let units, _, let deposit):
            guard let remaining = remaining(of: deposit), units <= remaining else { return nil }
            return Balances(real: -min(units, balances.real), bonus: 0, locked: 0)
        case .rollback(let of):
            guard let reference, betKeys.contains(of) || stored[of]?.operation.movement.kind == "win", !rolledBack.contains(of),
                !standingWins.values.contains(of)
            else {
                return nil
            }
            return Balances(real: -reference.real, bonus: -reference.bonus, locked: -reference.locked)
        case .withdrawalHold(let units):
            guard units <= balances.real else { return nil }
            return Balances(real: -units, bonus: 0, locked: units)
        case .withdrawalPost(let hold, _, let fee):
            guard let reference, openHolds.contains(hold), fee <= reference.locked else { return nil }
            return Balances(real: 0, bonus: 0, locked: -reference.locked)
        case .withdrawalVoid(let hold):
            guard let reference, openHolds.contains(hold) else { return nil }
            return Balances(real: reference.locked, bonus: 0, locked: -reference.locked)
        case .freeze(let units):
            guard units <= balances.real else { return nil }
            return Balances(real: -units, bonus: 0, locked: units)
        case .unfreeze(let freeze):
            guard let reference, openFreezes.contains(freeze) else { return nil }
            return Balances(real: reference.locked, bonus: 0, locked: -reference.locked)
        case .bonusGrant(let units): return Balances(real: 0, bonus: units, locked: 0)
        case .bonusConvert(let units):
            guard units <= balances.bonus else { return nil }
            return Balances(real: units, bonus: -units, locked: 0)
        case .bonusForfeit(let units):
            guard units <= balances.bonus else { return nil }
            return Balances(real: 0, bonus: -units, locked: 0)
        case .adjustment(let units):
            return Balances(real: units, bonus: 0, locked: 0)
        }
    }

    mutating func record(_ operation: LedgerOperation, outcome: Outcome) {
        guard !outcome.replayed else { return }
        if outcome.code == .referenceNotFound, case .rollback(let of) = operation.movement, stored[of] == nil, tombstones[of] == nil {
            tombstones[of] = operation.key
            tombstoneOperations[operation.key] = operation
            return
        }
        guard outcome.code == .ok, let after = outcome.balances else { return }
        let delta = Balances(real: after.real - balances.real, bonus: after.bonus - balances.bonus, locked: after.locked - balances.locked)
        switch operation.movement {
        case .deposit(let units, _):
            debt -= settlement(of: units)
            depositKeys.append(operation.key)
        case .chargeback(let units, _, let deposit):
            debt += units - min(units, balances.real)
            chargedBack[deposit, default: 0] += units
        default: break
        }
        balances = after
        stored[operation.key] = (operation, outcome, delta)
        applied.append(operation)
        switch operation.movement {
        case .bet: betKeys.append(operation.key)
        case .win(_, _, let bet?): standingWins[operation.key] = bet
        case .rollback(let of):
            rolledBack.insert(of)
            standingWins[of] = nil
        case .withdrawalHold: openHolds.append(operation.key)
        case .withdrawalPost(let hold, _, _), .withdrawalVoid(let hold):
            settled.insert(hold)
            openHolds.removeAll { $0 == hold }
        case .freeze: openFreezes.append(operation.key)
        case .unfreeze(let freeze):
            unfrozen.insert(freeze)
            openFreezes.removeAll { $0 == freeze }
        default: break
        }
    }
}
