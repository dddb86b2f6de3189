import App
import ArgumentParser
import Core
import Foundation
import Identity
import Ledger

struct Adjust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Credit or debit a player's real balance against the house adjustments account.",
        discussion: """
            The amount is a decimal in the currency's units (10.50 EUR); a negative amount debits. \
            An amount with more decimals than the currency holds is refused, never rounded. \
            Give --key to make a retried command apply once.
            """)

    @Option(help: "The player's id.") var player: Int64
    @Option(help: "Currency code, e.g. EUR.") var currency: String
    @Option(help: "Decimal amount; negative debits.") var amount: String
    @Option(help: "Why: stored with the transaction.") var reason: String
    @Option(help: "Idempotency key (default: a new random one).") var key: String?

    func run() async throws {
        let (configuration, logger) = try startUp(label: "croupier.adjust")
        guard player > 0 else { throw ValidationError("--player must be a positive id") }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must not be empty") }
        let outcome: Outcome
        let scale: Int
        do {
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            (outcome, scale) = try await dependencies.withDatabase {
                guard let known = try await dependencies.ledger.currencies()[currency] else {
                    return (Outcome(code: .unknownCurrency), 0)
                }
                let units: Int64
                do {
                    units = try Amount.units(fromDecimal: amount, scale: known.scale)
                } catch let error as AmountError {
                    throw RefusedAmount(error: error)
                }
                let operation = LedgerOperation(
                    key: IdempotencyKey(scope: "admin", key: key ?? UUID().uuidString.lowercased()), player: PlayerID(player),
                    currency: currency, movement: .adjustment(units: units), metadata: ["reason": reason, "actor": "cli"])
                let outcome = try await dependencies.ledger.apply(operation)
                try await AuditLog(database: dependencies.database, logger: logger).append(
                    AuditEntry(
                        actor: "cli", action: "money.adjusted", target: "player:\(player)",
                        summary: ["amount": amount, "currency": currency, "code": outcome.code.rawValue, "reason": reason]))
                return (outcome, known.scale)
            }
        } catch let refused as RefusedAmount {
            print("\(refused.error.code): \(refused.error)")
            throw ExitCode(2)
        } catch {
            throw fail(error, logger: logger)
        }
        guard outcome.code == .ok, let balances = outcome.balances, let id = outcome.transactionID else {
            print(outcome.code.rawValue)
            throw ExitCode(2)
        }
        let format = { (units: Int64) in Amount.decimal(units: units, scale: scale) }
        print(
            "ok transaction \(id)\(outcome.replayed ? " (replayed)" : "") balance real \(format(balances.real)) bonus \(format(balances.bonus)) locked \(format(balances.locked)) \(currency)"
        )
    }

    struct RefusedAmount: Error {
        let error: AmountError
    }
}
