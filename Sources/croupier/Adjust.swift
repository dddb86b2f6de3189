import App
import ArgumentParser
import CommandSupport
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
            --key is yours to choose (a ticket number, a UUID): run the command again with the same key \
            and it applies once, answering as the first run did.
            """)

    @Option(help: "The player's id.") var player: Int64
    @Option(help: "Currency code, e.g. EUR.") var currency: String
    @Option(help: "Decimal amount; negative debits.") var amount: String
    @Option(help: "Why: stored with the transaction.") var reason: String
    @Option(help: "Idempotency key: the same key again applies once.") var key: String

    func run() async throws {
        let (configuration, logger) = try startUp(label: "croupier.adjust")
        let outcome: Outcome
        let currency: Currency
        do {
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            (outcome, currency) = try await dependencies.withDatabase {
                try await dependencies.adjustments.apply(
                    StaffAdjustment.Order(player: player, currency: self.currency, amount: amount, reason: reason, key: key, actor: "cli"))
            }
        } catch let refusal as StaffAdjustment.Refusal {
            if case .amount(let error) = refusal { print("\(refusal.code): \(error)") } else { print(refusal.code) }
            throw ExitCode(2)
        } catch {
            throw fail(error, logger: logger)
        }
        guard outcome.code == .ok, let balances = outcome.balances, let id = outcome.transactionID else {
            print(outcome.code.rawValue)
            throw ExitCode(2)
        }
        let format = { (units: Int64) in Amount.decimal(units: units, scale: currency.scale) }
        print(
            "ok transaction \(id)\(outcome.replayed ? " (replayed)" : "") balance real \(format(balances.real)) bonus \(format(balances.bonus)) locked \(format(balances.locked)) \(currency.code)"
        )
    }
}
