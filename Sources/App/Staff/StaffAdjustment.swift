import Core
import Foundation
import Identity
import Ledger
import Persistence

/// A manual credit or debit of a player's real balance by staff (the staff API) or an operator
/// (`croupier adjust`): the one place that builds one. The ledger operation and its
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
        case invalidPlayer, reasonMissing, keyMissing, unknownCurrency
        /// No player has the id: the ledger would otherwise open accounts for nobody.
        case unknownPlayer
        case amount(AmountError)

        public var code: String {
            switch self {
            case .invalidPlayer, .reasonMissing: "invalidRequest"
            case .keyMissing: "idempotencyKeyRequired"
            case .unknownCurrency: "unknownCurrency"
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

    public func apply(_ order: Order, ip: String = "", requestID: String = "") async throws -> (Outcome, Currency) {
        guard order.player > 0 else { throw Refusal.invalidPlayer }
        guard !order.reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw Refusal.reasonMissing }
        guard (1...200).contains(order.key.count) else { throw Refusal.keyMissing }
        guard let currency = try await ledger.currencies()[order.currency] else { throw Refusal.unknownCurrency }
        let units: Int64
        do {
            units = try Amount.units(fromDecimal: order.amount, scale: currency.scale)
        } catch {
            throw Refusal.amount(error)
        }
        // Players are never deleted, so a player found now still exists when the money moves.
        guard try await players.status(of: PlayerID(order.player)) != nil else { throw Refusal.unknownPlayer }
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
