import Compliance
import Core
import Foundation
import Identity
import Ledger
import Logging
import Persistence
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import Payments

/// A gateway whose answers the test sets: what the next status query says about a payment, or
/// that it does not answer at all. Its webhooks are `{"id": "<event id>"}`, unsigned: signatures
/// are the adapters' business and tested with them.
final class ScriptedGateway: PaymentGateway {
    let code = "scripted"
    let capabilities = GatewayCapabilities(
        deposits: true, payouts: true,
        currencies: [
            GatewayCurrency(code: "EUR", exponent: 2, minimumUnits: 50, maximumUnits: 1_000_000, payoutFeeUnits: 50),
            // One-way currencies, as NOWPayments has: USD takes deposits only, USDT pays out only.
            GatewayCurrency(code: "USD", exponent: 2, minimumUnits: 50, maximumUnits: 1_000_000, payouts: false),
            GatewayCurrency(code: "USDT", exponent: 6, minimumUnits: 1_000_000, maximumUnits: 1_000_000_000, deposits: false),
        ])
    /// Whether it answers, and what its status query says.
    private let script = Mutex<(answering: Bool, next: DepositUpdate?)>((true, nil))
    /// What a payout request answers (nil: no answer, as on a timeout, with the reference the
    /// lost answer carried, if any), what its status says, and the references it was asked by.
    private let payouts = Mutex<
        (
            answer: PayoutStatus?, lostReference: String?, status: PayoutStatus, requests: [GatewayPayoutRequest],
            statusReferences: [String?]
        )
    >((.paid(reference: "payout-1"), nil, .notFound, [], []))

    func says(_ update: DepositUpdate) { script.withLock { $0 = (true, update) } }
    func failsToAnswer() { script.withLock { $0 = (false, nil) } }
    func payoutAnswers(_ answer: PayoutStatus?, lostReference: String? = nil) {
        payouts.withLock {
            $0.answer = answer
            $0.lostReference = lostReference
        }
    }
    func payoutStatusSays(_ status: PayoutStatus) { payouts.withLock { $0.status = status } }
    var payoutRequests: [GatewayPayoutRequest] { payouts.withLock { $0.requests } }
    /// The references each status query was given, in order.
    var statusReferences: [String?] { payouts.withLock { $0.statusReferences } }

    func createPayout(_ request: GatewayPayoutRequest) async throws -> PayoutStatus {
        let (answer, lost) = payouts.withLock { state in
            state.requests.append(request)
            return (state.answer, state.lostReference)
        }
        guard let answer else { throw GatewayUnavailable(gateway: code, reason: "timed out", reference: lost) }
        return answer
    }

    func payoutStatus(withdrawalID: String, reference: String?) async throws -> PayoutStatus {
        payouts.withLock { state in
            state.statusReferences.append(reference)
            return state.status
        }
    }

    func destinationProblem(_ destination: String, currency: String) -> String? {
        destination.count >= 4 ? nil : "too short"
    }

    func createDeposit(_ request: GatewayDepositRequest) async throws -> GatewayDeposit {
        guard script.withLock({ $0.answering }) else { throw GatewayUnavailable(gateway: code, reason: "does not answer") }
        return GatewayDeposit(reference: "ref-\(request.depositID)", redirectURL: "https://pay.test/\(request.depositID)")
    }

    func verifyWebhook(body: [UInt8], headers: [String: String], now: Date) throws -> VerifiedWebhook {
        guard let event = try? JSONDecoder().decode([String: String].self, from: Data(body)), let id = event["id"] else {
            throw WebhookRefusal.malformedPayload("no id")
        }
        return VerifiedWebhook(eventID: id, eventType: "scripted")
    }

    func depositUpdate(forWebhook body: [UInt8]) async throws -> DepositUpdate {
        guard let update = script.withLock({ $0.next }) else { throw GatewayUnavailable(gateway: code, reason: "does not answer") }
        return update
    }
}

struct PaymentsHarness {
    let database: Database
    let ledger: Ledger
    let gateway: ScriptedGateway
    let deposits: Deposits
    let inbox: WebhookInbox
    let withdrawals: Withdrawals
    let payouts: Payouts
    let kyc: KYC
    let cases: AMLCases
    /// The clock player protection reads (limits' periods, cooling-off), starting at the real now
    /// in whole seconds (PostgreSQL keeps microseconds, so instants compared after a round trip
    /// must have none finer).
    let clock: TestClock
    let protection: PlayerProtection
    let logger = TestServices.logger

    /// Rates to EUR valid from the epoch, so the KYC limits can sum USD and USDT.
    static let rates = ["USD": "0.9", "USDT": "0.9"]

    /// Up to EUR 100 is approved without staff; from EUR 500 two people approve.
    static let settings = WithdrawalSettings(autoApproveUpTo: ["EUR": "100"], fourEyesFrom: ["EUR": "500"], reconcileAfterSeconds: 1)

    /// A fresh database; after `body`, the ledger's audit must find nothing.
    /// `gates`: what the withdrawals ask before a request and again at its confirmation.
    static func with(gates: [any WithdrawalGate] = [], _ body: (PaymentsHarness) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            let ledger = Ledger(database: database, logger: TestServices.logger)
            let gateway = ScriptedGateway()
            let gateways = PaymentGateways([gateway])
            let kyc = KYC(
                database: database, ledger: ledger, secret: try #require(SecretKey(hex: String(repeating: "08", count: 32))), pivot: "EUR",
                history: PaymentsMovementHistory(logger: TestServices.logger), logger: TestServices.logger)
            try await kyc.rates.seedDemoRates(rates)
            let engine = AMLEngine(
                history: PaymentsMovementHistory(logger: TestServices.logger), conversion: kyc.rates, ledger: ledger,
                logger: TestServices.logger)
            let cases = AMLCases(database: database, ledger: ledger, logger: TestServices.logger)
            let clock = TestClock(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
            let protection = PlayerProtection(
                database: database, ledger: ledger, history: PaymentsMovementHistory(logger: TestServices.logger),
                observer: NoProtectionObserver(), logger: TestServices.logger, now: { clock.now })
            let deposits = Deposits(
                database: database, ledger: ledger, gateways: gateways, limits: kyc.limits, protection: protection, monitoring: engine,
                logger: TestServices.logger)
            let stepUp = StepUpCodes(
                database: database, secret: try #require(SecretKey(hex: String(repeating: "07", count: 32))), composer: PlainStepUpMail(),
                logger: TestServices.logger)
            let harness = PaymentsHarness(
                database: database, ledger: ledger, gateway: gateway, deposits: deposits,
                inbox: WebhookInbox(database: database, gateways: gateways, deposits: deposits, logger: TestServices.logger),
                withdrawals: Withdrawals(
                    database: database, ledger: ledger, gateways: gateways, stepUp: stepUp, screening: AMLScreening(engine: engine),
                    limits: kyc.limits, settings: settings, logger: TestServices.logger, gates: gates),
                payouts: Payouts(
                    database: database, ledger: ledger, gateways: gateways, settings: settings, holds: cases, logger: TestServices.logger),
                kyc: kyc, cases: cases, clock: clock, protection: protection)
            try await body(harness)
            let findings = try await LedgerAuditor(database: database, logger: TestServices.logger).run()
            #expect(findings.allSatisfy { $0.violations == 0 }, "\(findings)")
        }
    }

    func deliver(_ eventID: String) async throws {
        _ = try await inbox.receive(gateway: "scripted", body: Array(#"{"id":"\#(eventID)"}"#.utf8), headers: [:])
    }

    /// A signed-up player with a confirmed address, as Identity would have made them, at KYC
    /// `level` (set by staff through Compliance's API): L2 by default, whose limits (EUR 5,000 a
    /// day) the sums of tests that are not about limits stay under.
    func signedUpPlayer(_ email: String = "player@example.test", level: Int = 2) async throws -> PlayerID {
        let id = try await strings(
            """
            INSERT INTO identity_players (telegram_id, email, email_confirmed_at, adult_confirmed_at, terms_accepted_at, language)
            VALUES (\(Int.random(in: 1...1_000_000_000)), '\(email)', now(), now(), now(), 'en') RETURNING id::text
            """
        ).first.flatMap { Int64($0) }
        let player = PlayerID(try #require(id))
        if level > 0 { try await kyc.levels.assign(level: level, to: player, staff: 1, reason: "test fixture") }
        return player
    }

    /// A completed deposit of `amount` through the scripted gateway. Unless `played` is false the
    /// player then plays it through once (a bet of the whole amount and a win paying it back), as
    /// a player does before withdrawing: Compliance's AML rules hold a withdrawal of money that
    /// was deposited and never played.
    @discardableResult
    func deposit(_ amount: String, for player: PlayerID, currency: String = "EUR", played: Bool = true) async throws -> Deposit {
        let deposit = try await deposits.create(
            player: player, gateway: "scripted", amount: amount, currency: currency, returnURL: "http://x")
        says(.paid(reference: "ref-\(deposit.id)", currency: currency, gatewayUnits: deposit.units / 1_000))
        try await deliver("evt-\(deposit.id)")
        _ = try await inbox.processDue()
        if played { try await play(deposit.units, currency: currency, for: player, round: deposit.id) }
        return deposit
    }

    /// A bet of `units` and a win paying them back: stakes (turnover) with no change of balance.
    func play(_ units: Int64, currency: String = "EUR", for player: PlayerID, round: String) async throws {
        let bet = IdempotencyKey(scope: "test", key: "bet:\(round)")
        for (key, movement) in [
            (bet, Movement.bet(units: units, house: .games("test"))),
            (IdempotencyKey(scope: "test", key: "win:\(round)"), .win(units: units, house: .games("test"), bet: bet)),
        ] {
            let outcome = try await ledger.apply(LedgerOperation(key: key, player: player, currency: currency, movement: movement))
            try #require(outcome.code == .ok)
        }
    }

    private func says(_ update: DepositUpdate) { gateway.says(update) }

    /// The code in the newest mail to `email` (the mail queue is where Identity hands mail over).
    func mailedCode(to email: String = "player@example.test") async throws -> String {
        let body = try await strings("SELECT text_body FROM identity_mail_outbox WHERE recipient = '\(email)' ORDER BY id DESC LIMIT 1")
        let text = try #require(body.first)
        return try #require(text.firstMatch(of: /\b(\d{6})\b/)).1.description
    }

    /// The house account's derived balance: credits minus debits of its transfers.
    func houseBalance(_ code: String) async throws -> Int64 {
        let value = try await strings(
            """
            SELECT (coalesce((SELECT sum(t.amount) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id
                               WHERE a.house_code = '\(code)'), 0)
                  - coalesce((SELECT sum(t.amount) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id
                               WHERE a.house_code = '\(code)'), 0))::text
            """)
        return value.first.flatMap { Int64($0) } ?? -1
    }

    func outcomes() async throws -> [String] {
        try await strings("SELECT coalesce(outcome, '') FROM payments_webhook_events ORDER BY id")
    }

    func eventStates() async throws -> [String] { try await strings("SELECT state FROM payments_webhook_events ORDER BY id") }
    func depositStates() async throws -> [String] { try await strings("SELECT state FROM payments_deposits ORDER BY id") }
    func depositCount() async throws -> Int {
        try await strings("SELECT count(*)::text FROM payments_deposits").first.flatMap { Int($0) } ?? -1
    }

    func events(_ subject: String) async throws -> Int {
        try await strings("SELECT count(*)::text FROM outbox WHERE subject = '\(subject)'").first.flatMap { Int($0) } ?? -1
    }

    func strings(_ sql: String) async throws -> [String] {
        try await database.withConnection { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            var values: [String] = []
            for try await value in rows.decode(String.self) { values.append(value) }
            return values
        }
    }
}

/// The step-up mail as plain text: the code is all the tests read from it.
struct PlainStepUpMail: StepUpMailComposer {
    func stepUpMail(to email: String, code: String, purpose: String, language: String) -> OutgoingMail {
        OutgoingMail(recipient: email, subject: "Confirm", text: "Your code for \(purpose): \(code)", html: "<p>\(code)</p>")
    }
}
