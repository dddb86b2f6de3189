import Core
import Crypto
import Foundation
import Identity
import Ledger
import Logging
import Metrics
import Persistence
import PostgresNIO

/// Hub88's operator wallet API (docs/providers/hub88.md): the provider calls us to read a
/// balance and to place bets, wins and rollbacks. Independent of HTTP: it takes the raw body and
/// the signature header and returns the JSON to send back, always with HTTP 200.
///
/// Order of checks: the signature over the raw bytes first (nothing is acted on before it holds;
/// a refused body is only searched for its request_uuid to echo),
/// then syntax and types, then the token (bets only: wins and rollbacks are paid whatever
/// happened to the session), then the ledger, whose result codes map to Hub88's statuses.
public struct Hub88Wallet: Sendable {
    let registry: ProviderRegistry
    let sessions: GameSessions
    let ledger: Ledger
    let players: PlayerStatuses
    let rounds: GameRounds
    let database: Database
    /// Other contexts' checks and follow-ups, after Games' own.
    let hooks: WalletHooks
    let logger: Logger

    /// Ledger idempotency scope: keys are `<provider>:<transaction_uuid>`.
    static let scope = "hub88"

    public init(
        registry: ProviderRegistry, sessions: GameSessions, ledger: Ledger, players: PlayerStatuses, rounds: GameRounds, database: Database,
        hooks: WalletHooks, logger: Logger
    ) {
        self.registry = registry
        self.sessions = sessions
        self.ledger = ledger
        self.players = players
        self.rounds = rounds
        self.database = database
        self.hooks = hooks
        self.logger = logger
    }

    public func handle(provider code: String, endpoint: Hub88Endpoint, body: [UInt8], signature: String?) async -> [UInt8] {
        let answer: Hub88Answer
        var provider = code
        do {
            answer = try await self.answer(provider: code, endpoint: endpoint, body: body, signature: signature)
            if answer.status == .invalidPartner { provider = "unknown" }
        } catch let refusal as Refusal {
            answer = Hub88Answer(refusal.status, requestUUID: Self.requestUUID(in: body))
        } catch {
            logger.error(
                "hub88 call failed",
                metadata: ["provider": "\(code)", "endpoint": "\(endpoint.rawValue)", "reason": "\(postgresReason(error))"])
            answer = Hub88Answer(.unknown, requestUUID: Self.requestUUID(in: body))
            // The failure may have come before the provider was found (the registry's database).
            if (try? await registry.entry(code)) == nil { provider = "unknown" }
        }
        // Per provider, call and status (docs/operations.md, "Metrics"); a code no provider has
        // is one label, so that hostile paths cannot create series.
        Counter(
            label: "croupier_wallet_answers_total",
            dimensions: [("provider", provider), ("call", endpoint.rawValue), ("status", answer.status.rawValue)]
        ).increment()
        return answer.encoded()
    }

    func answer(provider code: String, endpoint: Hub88Endpoint, body: [UInt8], signature: String?) async throws -> Hub88Answer {
        guard let entry = try await registry.entry(code) else {
            return Hub88Answer(.invalidPartner, requestUUID: Self.requestUUID(in: body))
        }
        guard Hub88Signature.isValid(signature, for: body, key: entry.keys.provider) else {
            return Hub88Answer(.invalidSignature, requestUUID: Self.requestUUID(in: body))
        }
        return try await answer(signed: body, endpoint: endpoint, entry: entry)
    }

    /// The answer to a body whose signature held.
    func answer(signed body: [UInt8], endpoint: Hub88Endpoint, entry: ProviderRegistry.Entry) async throws -> Hub88Answer {
        let code = entry.provider.code
        switch endpoint {
        case .userInfo:
            return try await info(try Self.decode(Hub88Request.Info.self, body), provider: code)
        case .userBalance:
            return try await balance(try Self.decode(Hub88Request.Balance.self, body), provider: code)
        case .bet:
            return try await bet(try Self.decode(Hub88Request.Transaction.self, body), entry: entry)
        case .win:
            return try await win(try Self.decode(Hub88Request.Transaction.self, body), provider: code)
        case .rollback:
            return try await rollback(try Self.decode(Hub88Request.Rollback.self, body), provider: code)
        }
    }

    // MARK: - Endpoints

    func info(_ request: Hub88Request.Info, provider: String) async throws -> Hub88Answer {
        guard let player = Self.player(request.user), try await hasPlayed(player, with: provider),
            let status = try await players.status(of: player)
        else {
            return Hub88Answer(.invalidToken, requestUUID: request.requestUUID, user: request.user)
        }
        var answer = Hub88Answer(.ok, requestUUID: request.requestUUID, user: request.user)
        answer.country = "XX"
        answer.registrationDate = Self.day(status.registeredAt)
        return answer
    }

    func balance(_ request: Hub88Request.Balance, provider: String) async throws -> Hub88Answer {
        guard let session = try await sessions.session(token: request.token, provider: provider),
            Self.player(request.user) == session.player
        else {
            return Hub88Answer(.invalidToken, requestUUID: request.requestUUID, user: request.user)
        }
        return try await answer(
            .ok, request.requestUUID, player: session.player, currency: session.currency, balances: nil, provider: provider)
    }

    func bet(_ request: Hub88Request.Transaction, entry: ProviderRegistry.Entry) async throws -> Hub88Answer {
        let provider = entry.provider.code
        guard request.amount >= 0 else { return Hub88Answer(.wrongTypes, requestUUID: request.requestUUID, user: request.user) }
        guard let player = Self.player(request.user), let token = request.token else {
            return Hub88Answer(.invalidToken, requestUUID: request.requestUUID, user: request.user)
        }
        func refuse(_ status: Hub88Status) async throws -> Hub88Answer {
            try await answer(status, request.requestUUID, player: player, currency: request.currency, balances: nil, provider: provider)
        }
        let playable = entry.games[request.gameCode] == true && entry.provider.enabled
        guard let currency = try await registry.currency(request.currency) else { return try await refuse(.wrongCurrency) }
        guard let units = Hub88Amount.ledgerUnits(wire: request.amount, scale: currency.scale) else { return try await refuse(.wrongTypes) }
        // A free bet (a reward the provider pays for) moves none of the player's money.
        if units == 0 || request.isFree == true {
            guard playable else { return try await refuse(.invalidGame) }
            return try await freeBet(request, provider: provider, player: player, token: token, scale: currency.scale)
        }
        let operation = LedgerOperation(
            key: key(provider, request.transactionUUID), player: player, currency: request.currency,
            movement: .bet(units: units, house: .games(provider)), metadata: metadata(provider, request.gameCode, request.round))
        let outcome = try await ledger.apply(
            operation, checks: Self.betChecks + hooks.betChecks, followUps: [Self.recordRound] + hooks.betFollowUps,
            hookArguments: Self.hookArguments(
                provider: provider, token: token, game: request.gameCode, playable: playable, currency: request.currency,
                round: request.round, closed: request.roundClosed, bet: units, win: 0))
        // A malformed bet is refused before the session check, so it proves nothing of the player.
        return try await answer(
            outcome, request.requestUUID, player: player, currency: request.currency, provider: provider,
            checked: !Ledger.isMalformed(operation))
    }

    func win(_ request: Hub88Request.Transaction, provider: String) async throws -> Hub88Answer {
        guard request.amount >= 0 else { return Hub88Answer(.wrongTypes, requestUUID: request.requestUUID, user: request.user) }
        guard let reference = request.referenceTransactionUUID else {
            return Hub88Answer(.wrongSyntax, requestUUID: request.requestUUID, user: request.user)
        }
        guard let player = Self.player(request.user) else {
            return Hub88Answer(.transactionDoesNotExist, requestUUID: request.requestUUID, user: request.user)
        }
        guard let currency = try await registry.currency(request.currency) else {
            return try await answer(
                .wrongCurrency, request.requestUUID, player: player, currency: request.currency, balances: nil, provider: provider)
        }
        guard let units = Hub88Amount.ledgerUnits(wire: request.amount, scale: currency.scale) else {
            return try await answer(
                .wrongTypes, request.requestUUID, player: player, currency: request.currency, balances: nil, provider: provider)
        }
        if units == 0 {
            return try await zeroWin(request, provider: provider, player: player, reference: reference, scale: currency.scale)
        }
        let operation = LedgerOperation(
            key: key(provider, request.transactionUUID), player: player, currency: request.currency,
            movement: .win(units: units, house: .games(provider), bet: key(provider, reference)),
            metadata: metadata(provider, request.gameCode, request.round))
        let outcome = try await ledger.apply(
            operation, checks: [], followUps: [Self.recordRound] + hooks.winFollowUps,
            hookArguments: Self.hookArguments(
                provider: provider, token: nil, game: request.gameCode, playable: true, currency: request.currency, round: request.round,
                closed: request.roundClosed, bet: 0, win: units))
        // A free round's win: the bet moved no money, so the win stands on its own, keyed without
        // the reference; its retry names the reference again and only then meets its own key.
        guard case .ledger(let result) = outcome, [.referenceNotFound, .duplicateMismatch].contains(result.code) else {
            return try await answer(outcome, request.requestUUID, player: player, currency: request.currency, provider: provider)
        }
        let lookup = try await freeBetOfWin(reference, provider: provider, player: player)
        guard let freeBet = lookup.freeBet else {
            return try await answer(
                outcome, request.requestUUID, player: player, currency: request.currency, provider: provider, played: lookup.played)
        }
        if let paid = try await rewardWin(request, units: units, provider: provider, player: player, reward: freeBet.reward) {
            return paid
        }
        let unreferenced = LedgerOperation(
            key: operation.key, player: player, currency: request.currency, movement: .win(units: units, house: .games(provider), bet: nil),
            metadata: operation.metadata.merging(["freeBet": reference]) { $1 })
        return try await settle(unreferenced, request.requestUUID, round: request.round, closed: request.roundClosed, bet: 0, win: units)
    }

    func rollback(_ request: Hub88Request.Rollback, provider: String) async throws -> Hub88Answer {
        guard let player = Self.player(request.user) else {
            return Hub88Answer(.transactionDoesNotExist, requestUUID: request.requestUUID, user: request.user)
        }
        let reference = key(provider, request.referenceTransactionUUID)
        guard let original = try await ledger.operation(reference) else {
            // Unknown so far: the ledger leaves a tombstone so that a late bet is refused. The
            // tombstone needs a currency; the token's session names it (else the player's latest),
            // and stays the same when the rollback is retried.
            let looked = try await currencyOfRollback(player, token: request.token, provider: provider)
            let currency = looked.currency ?? "EUR"
            let operation = LedgerOperation(
                key: key(provider, request.transactionUUID), player: player, currency: currency, movement: .rollback(of: reference),
                metadata: metadata(provider, request.gameCode ?? "", request.round ?? ""))
            // The bet may commit between the lookup above and this call: the ledger's check then
            // refuses, and the rollback starts again, finds it, and reverses it with its follow-ups.
            switch try await ledger.apply(
                operation, checks: [Ledger.refuseKnownReference], followUps: [],
                hookArguments: Ledger.referenceArguments(currency: currency, reference: reference))
            {
            case .refused(Ledger.referenceKnown, _):
                return try await rollback(request, provider: provider)
            case .refused(let code, _):
                throw LedgerError.unexpectedResult("a rollback's reference check refused \(code)")
            case .ledger(let outcome):
                return try await answer(
                    Self.status(outcome.code), request.requestUUID, player: player, currency: currency, balances: outcome.balances,
                    provider: provider, played: looked.played)
            }
        }
        let operation = LedgerOperation(
            key: key(provider, request.transactionUUID), player: player, currency: original.currency, movement: .rollback(of: reference),
            metadata: metadata(provider, request.gameCode ?? "", request.round ?? ""))
        let (bet, win) = original.kind == "bet" ? (-original.units, Int64(0)) : (Int64(0), -original.units)
        return try await settle(
            operation, request.requestUUID, round: request.round ?? original.metadata["round"] ?? "", closed: request.roundClosed ?? false,
            bet: bet, win: win, game: original.metadata["game"], reversedOn: original.appliedAt)
    }
}
