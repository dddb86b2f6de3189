import Compliance
import Core
import Foundation
import Identity
import Ledger
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Payments

/// Compliance's KYC limits in Payments' money path: checked in the transaction that writes the
/// request, under the player's lock; a refusal names the limit, what is left and the next level,
/// and writes nothing.
@Suite struct KYCLimitTests {
    @Test func anL0WithdrawalOverTheLimitIsRefusedByNameWritesNothingAndPassesOnceTheLevelRises() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer(level: 0)
            try await h.deposit("80", for: player)
            let mails = try await h.strings("SELECT count(*)::text FROM identity_mail_outbox")
            let refusal = await #expect(throws: WithdrawalRefusal.self) {
                try await h.withdrawals.request(
                    player: player, gateway: "scripted", amount: "60", currency: "EUR", destination: "DE-4400-1234")
            }
            guard case .limitReached(let limit) = refusal else {
                Issue.record("not a limit: \(String(describing: refusal))")
                return
            }
            #expect(limit.direction == .withdrawal && limit.window == .day && limit.limit == "50.00000" && limit.left == "50.00000")
            #expect(limit.level == 0 && limit.nextLevel == 1 && limit.missing == [.legalName, .dateOfBirth, .country])
            #expect(refusal?.code == "limitReached")
            #expect(try await h.strings("SELECT count(*)::text FROM payments_withdrawals") == ["0"])
            #expect(try await h.strings("SELECT count(*)::text FROM identity_mail_outbox") == mails, "no code was mailed")
            try await h.kyc.levels.assign(level: 1, to: player, staff: 1, reason: "documents checked")
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "60", currency: "EUR", destination: "DE-4400-1234")
            #expect(asked.state == .awaitingConfirmation)
        }
    }

    @Test func concurrentDepositsOverTheDailyLimitLetExactlyOneThrough() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer(level: 0)
            let outcomes = await withTaskGroup(of: Result<Deposit, DepositRefusal>.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        do {
                            return .success(
                                try await h.deposits.create(
                                    player: player, gateway: "scripted", amount: "60", currency: "EUR", returnURL: "http://x"))
                        } catch let refusal as DepositRefusal {
                            return .failure(refusal)
                        } catch {
                            return .failure(.gatewayUnavailable("\(error)"))
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .success = $0 { true } else { false } }.count == 1)
            for case .failure(let refusal) in outcomes {
                guard case .limitReached(let limit) = refusal else {
                    Issue.record("\(refusal)")
                    continue
                }
                #expect(limit.direction == .deposit && limit.window == .day && limit.left == "40.00000")
            }
            #expect(try await h.depositCount() == 1, "a refused deposit writes nothing")
        }
    }

    @Test func depositsInACurrencyWithoutARateOrByAClosedPlayerAreRefusedByName() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer(level: 0)
            _ = try await h.strings("DELETE FROM compliance_fx_rates WHERE currency = 'USD' RETURNING ''")
            await #expect(throws: DepositRefusal.rateMissing("USD")) {
                try await h.deposits.create(player: player, gateway: "scripted", amount: "10", currency: "USD", returnURL: "http://x")
            }
            try await h.database.withTransaction(logger: h.logger) { connection in
                try await PlayerStatuses(database: h.database, logger: h.logger).close(
                    player, reason: "test", actor: "test", on: connection)
            }
            await #expect(throws: DepositRefusal.playerDisabled) {
                try await h.deposits.create(player: player, gateway: "scripted", amount: "10", currency: "EUR", returnURL: "http://x")
            }
            await #expect(throws: DepositRefusal.playerDisabled, "a player Identity does not know") {
                try await h.deposits.create(
                    player: PlayerID(player.rawValue + 1_000), gateway: "scripted", amount: "10", currency: "EUR", returnURL: "http://x")
            }
            #expect(try await h.depositCount() == 0)
        }
    }

    /// The one real race of two withdrawals: confirming the first while asking for a second.
    /// Whichever takes the player's locks first wins; the other either finds the first held
    /// (and is refused: 40 + 40 is over the L0 day's 50) or cancels it as replaced. Either way
    /// exactly one withdrawal goes on.
    @Test func confirmingOneWithdrawalWhileAskingForAnotherLetsExactlyOneThrough() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer(level: 0)
            try await h.deposit("100", for: player)
            let first = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "40", currency: "EUR", destination: "DE-4400-1234")
            let code = try await h.mailedCode()
            async let confirmed = h.withdrawals.confirm(first.id, of: player, code: code)
            async let second: Result<Withdrawal, WithdrawalRefusal> = {
                do {
                    return .success(
                        try await h.withdrawals.request(
                            player: player, gateway: "scripted", amount: "40", currency: "EUR", destination: "DE-4400-1234"))
                } catch let refusal as WithdrawalRefusal {
                    return .failure(refusal)
                }
            }()
            let (one, two) = try await (confirmed.withdrawal, second)
            let firstHeld = one.state.holdsFunds
            switch two {
            case .failure(.limitReached(let limit)):
                #expect(firstHeld && limit.left == "10.00000")
            case .success(let asked):
                #expect(!firstHeld && asked.state == .awaitingConfirmation)
                #expect(try await h.withdrawals.withdrawal(first.id, of: player)?.state == .cancelled)
            case .failure(let other):
                Issue.record("\(other)")
            }
            let alive = try await h.strings(
                "SELECT count(*)::text FROM payments_withdrawals WHERE state NOT IN ('cancelled', 'failed', 'rejected')")
            #expect(alive == ["1"])
        }
    }

    @Test func aWithdrawalOverTheLimitAtConfirmationFailsWithNothingHeld() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer(level: 0)
            try await h.deposit("100", for: player)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "40", currency: "EUR", destination: "DE-4400-1234")
            // Staff lower L0's daily withdrawals to 30 before the player confirms.
            try await h.kyc.levels.update(
                level: 0, requirements: [.emailConfirmed],
                limits: LevelLimits(depositsDay: "100", deposits30Days: "250", withdrawalsDay: "30", withdrawals30Days: "100"),
                pivotScale: 5,
                staff: 2)
            let refusal = await #expect(throws: WithdrawalRefusal.self) {
                try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode())
            }
            guard case .limitReached(let limit) = refusal else {
                Issue.record("\(String(describing: refusal))")
                return
            }
            #expect(limit.limit == "30.00000" && limit.left == "30.00000")
            let ended = try #require(try await h.withdrawals.withdrawal(asked.id, of: player))
            #expect(ended.state == .failed && ended.reasonCode == "limitReached")
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 10_000_000, bonus: 0, locked: 0))
        }
    }

    /// A request may wait for its code for any time; once confirmed it counts from the
    /// confirmation, so an old request does not carry a day's limit out of the window with it.
    @Test func aWithdrawalCountsFromItsConfirmationNotFromItsRequest() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer(level: 0)
            try await h.deposit("100", for: player)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "50", currency: "EUR", destination: "DE-4400-1234")
            _ = try await h.strings(
                "UPDATE payments_withdrawals SET created_at = now() - interval '25 hours' WHERE public_id = '\(asked.id)' RETURNING ''")
            let confirmed = try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal
            #expect(confirmed.state != .failed)
            // L0 allows 50 a day: the 50 just confirmed used it all, whenever it was asked for.
            let refusal = await #expect(throws: WithdrawalRefusal.self) {
                try await h.withdrawals.request(
                    player: player, gateway: "scripted", amount: "10", currency: "EUR", destination: "DE-4400-1234")
            }
            guard case .limitReached(let limit) = refusal else {
                Issue.record("\(String(describing: refusal))")
                return
            }
            #expect(limit.window == .day && limit.left == "0.00000")
        }
    }
}
