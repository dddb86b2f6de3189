import Core
import Foundation
import Identity
import Ledger
import Persistence

/// A manual credit or debit of a player's real balance: the one place that reads and checks one
/// (`validated`), for staff's four-eyes requests (`AdjustmentApprovals`) and an operator's
/// `croupier adjust`, which `apply` moves at once. The ledger operation and its
/// `money.adjusted` audit row commit in one transaction, so money never moves without its row
/// and no row describes money that did not move. The caller must send an idempotency key and
/// send the same one again on a retry: a retried adjustment then applies once and answers as
/// the first did.
public struct StaffAdjustment: Sendable {
    public struct Order: Sendable {
        public let player: Int64
        public let currency: String
        /// A decimal in the currency's units; negative debits.
        public let amount: String
        public let reason: String
        public let key: String
        /// Who asks: `staff:<id>` or `cli`.
        public let actor: String

        public init(player: Int64, currency: String, amount: String, reason: String, key: String, actor: String) {
            self.player = player
            self.currency = currency
            self.amount = amount
            self.reason = reason
            self.key = key
            self.actor = actor
        }
    }

    /// Refused before any money moves, each with the code the API answers.
    public enum Refusal: Error, Equatable {
        case invalidPlayer, reasonMissing, keyMissing, unknownCurrency, zeroAmount
        /// No player has the id: the ledger would otherwise open accounts for nobody.
        case unknownPlayer
        case amount(AmountError)

        public var code: String {
            switch self {
            case .invalidPlayer, .reasonMissing: "invalidRequest"
            case .keyMissing: "idempotencyKeyRequired"
            case .unknownCurrency: "unknownCurrency"
            case .zeroAmount: "amountZero"
            case .unknownPlayer: "playerNotFound"
            case .amount(let error): error.code
            }
        }
    }

    let database: Database
    let ledger: Ledger
    let players: PlayerStatuses
    let audit: AuditLog

    public init(database: Database, ledger: Ledger, players: PlayerStatuses, audit: AuditLog) {
        self.database = database
        self.ledger = ledger
        self.players = players
        self.audit = audit
    }

    /// The order's units and currency, or its refusal by name; nothing is written.
    func validated(_ order: Order) async throws -> (units: Int64, currency: Currency) {
        guard order.player > 0 else { throw Refusal.invalidPlayer }
        // Bytes, not characters: the reason goes into the ledger's metadata, whose values are 512 bytes
        // at most. No control characters but tab and newline: PostgreSQL refuses NUL in text.
        guard (1...500).contains(order.reason.trimmingCharacters(in: .whitespacesAndNewlines).utf8.count),
            !order.reason.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t" && $0 != "\n") || $0.value == 0x7f })
        else { throw Refusal.reasonMissing }
        // Visible ASCII, as the ledger's own keys: its length is then the same in bytes, characters and code points.
        guard (1...200).contains(order.key.utf8.count), order.key.utf8.allSatisfy({ (0x21..<0x7f).contains($0) }) else {
            throw Refusal.keyMissing
        }
        guard let currency = try await ledger.currencies()[order.currency] else { throw Refusal.unknownCurrency }
        let units: Int64
        do {
            units = try Amount.units(fromDecimal: order.amount, scale: currency.scale)
        } catch {
            throw Refusal.amount(error)
        }
        guard units != 0 else { throw Refusal.zeroAmount }
        // Players are never deleted, so a player found now still exists when the money moves.
        guard try await players.status(of: PlayerID(order.player)) != nil else { throw Refusal.unknownPlayer }
        return (units, currency)
    }

    /// Moves the money at once: `croupier adjust`, an operator's path, audited as `cli`.
    public func apply(_ order: Order, ip: String = "", requestID: String = "") async throws -> (Outcome, Currency) {
        let (units, currency) = try await validated(order)
        let operation = LedgerOperation(
            key: IdempotencyKey(scope: "adjustment", key: "\(order.actor):\(order.key)"), player: PlayerID(order.player),
            currency: currency.code, movement: .adjustment(units: units), metadata: ["reason": order.reason, "actor": order.actor])
        let outcome = try await database.withTransaction(logger: ledger.logger) { connection in
            let outcome = try await ledger.apply(operation, on: connection)
            try await audit.append(
                AuditEntry(
                    actor: order.actor, action: "money.adjusted", target: "player:\(order.player)",
                    summary: [
                        "amount": order.amount, "currency": currency.code, "code": outcome.code.rawValue, "reason": order.reason,
                        "replayed": String(outcome.replayed),
                    ], ip: ip, requestID: requestID), on: connection)
            return outcome
        }
        return (outcome, currency)
    }
}
