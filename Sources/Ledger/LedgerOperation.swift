import Core

/// Identifies one operation from one source, e.g. `hub88` + a transaction uuid. Applying the
/// same key twice with the same payload returns the first outcome; with another payload,
/// `duplicateMismatch`.
public struct IdempotencyKey: Sendable, Hashable, CustomStringConvertible {
    public let scope: String
    public let key: String

    public init(scope: String, key: String) {
        self.scope = scope
        self.key = key
    }

    public var description: String { "\(scope):\(key)" }

    var isWellFormed: Bool {
        (1...40).contains(scope.utf8.count)
            && scope.utf8.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: "_")
            }
            && (1...200).contains(key.utf8.count)
            && key.unicodeScalars.allSatisfy { $0.value >= 0x21 && $0.value < 0x7f }
    }
}

/// A counterparty account of the house: `games:<provider>`, `payments:<gateway>`, `bonus`,
/// `adjustments`, `fees`. House accounts may go negative; their balance is derived.
public struct HouseAccount: Sendable, Hashable, CustomStringConvertible {
    public let code: String

    public static func games(_ provider: String) -> HouseAccount { HouseAccount(code: "games:\(provider)") }
    public static func payments(_ gateway: String) -> HouseAccount { HouseAccount(code: "payments:\(gateway)") }
    public static let bonus = HouseAccount(code: "bonus")
    public static let adjustments = HouseAccount(code: "adjustments")
    /// What the house keeps of a payout (`Movement.withdrawalPost`'s fee).
    public static let fees = HouseAccount(code: "fees")

    public var description: String { code }

    /// `[a-z]+(:[a-z0-9_-]{1,60})?`, scanned by hand: it runs on every operation, and a regex
    /// literal is parsed again each time it is evaluated (the parser showed in the ledger
    /// benchmark's profile).
    var isWellFormed: Bool {
        let lower = UInt8(ascii: "a")...UInt8(ascii: "z")
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        let parts = code.utf8.split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty, name.allSatisfy(lower.contains) else { return false }
        guard parts.count == 2 else { return true }
        let suffix = parts[1]
        return (1...60).contains(suffix.count)
            && suffix.allSatisfy { lower.contains($0) || digits.contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }
}

/// What an operation does to a player's money. Amounts are positive units of the operation's
/// currency, except an adjustment, whose sign says credit (+) or debit (−).
public enum Movement: Sendable, Hashable {
    /// Stake: real money first, then bonus; the split is recorded.
    case bet(units: Int64, house: HouseAccount)
    case win(units: Int64, house: HouseAccount, bet: IdempotencyKey?)
    /// Reverses exactly the transfers of the named bet or win.
    case rollback(of: IdempotencyKey)
    case deposit(units: Int64, gateway: HouseAccount)
    /// `real → locked` when a withdrawal is requested.
    case withdrawalHold(units: Int64)
    /// `locked → payments:<gateway>` when the payout succeeded: the hold less `fee`, and the
    /// fee (0 ≤ fee ≤ the hold) `locked → fees`.
    case withdrawalPost(hold: IdempotencyKey, gateway: HouseAccount, fee: Int64 = 0)
    /// `locked → real` when the payout failed.
    case withdrawalVoid(hold: IdempotencyKey)
    case bonusGrant(units: Int64)
    case bonusConvert(units: Int64)
    case bonusForfeit(units: Int64)
    case adjustment(units: Int64)
    /// A refunded or disputed deposit taken back, `real → payments:<gateway>`, never below zero;
    /// what real does not cover becomes the player's debt, which their next deposits pay first.
    /// All chargebacks of one deposit together take back at most its amount.
    case chargeback(units: Int64, gateway: HouseAccount, deposit: IdempotencyKey)
    /// A compliance freeze: `real → locked`, the reason in the metadata. Never below zero.
    case freeze(units: Int64)
    /// Returns the named freeze's amount, `locked → real`, once (a second is `alreadySettled`).
    case unfreeze(freeze: IdempotencyKey)

    public var kind: String {
        switch self {
        case .bet: "bet"
        case .win: "win"
        case .rollback: "rollback"
        case .deposit: "deposit"
        case .withdrawalHold: "withdrawal_hold"
        case .withdrawalPost: "withdrawal_post"
        case .withdrawalVoid: "withdrawal_void"
        case .bonusGrant: "bonus_grant"
        case .bonusConvert: "bonus_convert"
        case .bonusForfeit: "bonus_forfeit"
        case .adjustment: "adjustment"
        case .chargeback: "chargeback"
        case .freeze: "freeze"
        case .unfreeze: "unfreeze"
        }
    }

    public static let kinds = [
        "bet", "win", "rollback", "deposit", "withdrawal_hold", "withdrawal_post", "withdrawal_void", "bonus_grant",
        "bonus_convert", "bonus_forfeit", "adjustment", "chargeback", "freeze", "unfreeze",
    ]

    var units: Int64? {
        switch self {
        case .bet(let units, _), .win(let units, _, _), .deposit(let units, _), .withdrawalHold(let units),
            .bonusGrant(let units), .bonusConvert(let units), .bonusForfeit(let units), .adjustment(let units),
            .chargeback(let units, _, _), .freeze(let units):
            units
        case .rollback, .withdrawalPost, .withdrawalVoid, .unfreeze: nil
        }
    }

    /// `ledger_apply`'s `p_amount` and the payload hash's amount: the units, or a payout's fee.
    /// A payout without a fee has none, so its hash is what it was before fees existed.
    var amount: Int64? {
        if case .withdrawalPost(_, _, let fee) = self { return fee == 0 ? nil : fee }
        return units
    }

    var house: HouseAccount? {
        switch self {
        case .bet(_, let house), .win(_, let house, _): house
        case .deposit(_, let gateway), .withdrawalPost(_, let gateway, _), .chargeback(_, let gateway, _): gateway
        case .bonusGrant, .bonusForfeit: .bonus
        case .adjustment: .adjustments
        case .rollback, .withdrawalHold, .withdrawalVoid, .bonusConvert, .freeze, .unfreeze: nil
        }
    }

    /// The operation this one names: the bet a win settles, what a rollback reverses, the hold
    /// a payout posts or voids, the deposit a chargeback takes back, the freeze an unfreeze returns.
    public var reference: IdempotencyKey? {
        switch self {
        case .win(_, _, let bet): bet
        case .rollback(let of): of
        case .withdrawalPost(let hold, _, _), .withdrawalVoid(let hold): hold
        case .chargeback(_, _, let deposit): deposit
        case .unfreeze(let freeze): freeze
        default: nil
        }
    }
}

/// One business operation: a bet, a deposit, a bonus conversion, ... applied atomically.
public struct LedgerOperation: Sendable, Hashable {
    public let key: IdempotencyKey
    public let player: PlayerID
    public let currency: String
    public let movement: Movement
    /// Provider, game, round, gateway, reference, reason, ...: stored and hashed, not interpreted.
    public let metadata: [String: String]

    public init(key: IdempotencyKey, player: PlayerID, currency: String, movement: Movement, metadata: [String: String] = [:]) {
        self.key = key
        self.player = player
        self.currency = currency
        self.movement = movement
        self.metadata = metadata
    }
}

/// Named results (docs/ledger.md lists each with its meaning).
public enum ResultCode: String, Sendable, Codable, CaseIterable {
    case ok
    case duplicateMismatch
    case insufficientFunds
    case referenceNotFound
    case alreadyRolledBack
    case alreadySettled
    case notReversible
    case invalidAmount
    case amountOverflow
    case unknownCurrency
    case currencyMismatch
    case invalidKey
    case invalidMetadata
}

public struct Balances: Sendable, Hashable, Codable {
    public let real: Int64
    public let bonus: Int64
    public let locked: Int64

    public init(real: Int64, bonus: Int64, locked: Int64) {
        self.real = real
        self.bonus = bonus
        self.locked = locked
    }

    public static let zero = Balances(real: 0, bonus: 0, locked: 0)
}

/// The result of applying an operation: a code, the ledger transaction it created (or that a
/// replay found), and the player's balances after it (current balances for a refusal).
public struct Outcome: Sendable, Hashable {
    public let code: ResultCode
    public let transactionID: Int64?
    public let balances: Balances?
    /// True when the key had been applied before and this is the stored outcome.
    public let replayed: Bool

    public init(code: ResultCode, transactionID: Int64? = nil, balances: Balances? = nil, replayed: Bool = false) {
        self.code = code
        self.transactionID = transactionID
        self.balances = balances
        self.replayed = replayed
    }

    /// The same result, ignoring whether it was a replay.
    public func sameResult(as other: Outcome) -> Bool {
        code == other.code && transactionID == other.transactionID && balances == other.balances
    }
}

/// One currency's balances after the ledger transaction `transaction` (0: none yet).
public struct BalancesAsOf: Sendable, Hashable {
    public let balances: Balances
    public let transaction: Int64

    public init(balances: Balances, transaction: Int64) {
        self.balances = balances
        self.transaction = transaction
    }
}
