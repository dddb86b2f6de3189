import Core
import Crypto
import Foundation
import Ledger
import Logging
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
    let rounds: GameRounds
    let database: Database
    let logger: Logger

    /// Ledger idempotency scope: keys are `<provider>:<transaction_uuid>`.
    static let scope = "hub88"

    public init(registry: ProviderRegistry, sessions: GameSessions, ledger: Ledger, rounds: GameRounds, database: Database, logger: Logger)
    {
        self.registry = registry
        self.sessions = sessions
        self.ledger = ledger
        self.rounds = rounds
        self.database = database
        self.logger = logger
    }

    public func handle(provider code: String, endpoint: Hub88Endpoint, body: [UInt8], signature: String?) async -> [UInt8] {
        do {
            return try await answer(provider: code, endpoint: endpoint, body: body, signature: signature).encoded()
        } catch let refusal as Refusal {
            return Hub88Answer(refusal.status, requestUUID: Self.requestUUID(in: body)).encoded()
        } catch {
            logger.error(
                "hub88 call failed",
                metadata: ["provider": "\(code)", "endpoint": "\(endpoint.rawValue)", "reason": "\(postgresReason(error))"])
            return Hub88Answer(.unknown, requestUUID: Self.requestUUID(in: body)).encoded()
        }
    }

    func answer(provider code: String, endpoint: Hub88Endpoint, body: [UInt8], signature: String?) async throws -> Hub88Answer {
        guard let entry = try await registry.entry(code) else {
            return Hub88Answer(.invalidPartner, requestUUID: Self.requestUUID(in: body))
        }
        guard Hub88Signature.isValid(signature, for: body, key: entry.keys.provider) else {
            return Hub88Answer(.invalidSignature, requestUUID: Self.requestUUID(in: body))
        }
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
            let registered = try await registrationDate(of: player)
        else {
            return Hub88Answer(.invalidToken, requestUUID: request.requestUUID, user: request.user)
        }
        var answer = Hub88Answer(.ok, requestUUID: request.requestUUID, user: request.user)
        answer.country = "XX"
        answer.registrationDate = registered
        return answer
    }

    func balance(_ request: Hub88Request.Balance, provider: String) async throws -> Hub88Answer {
        guard let session = try await sessions.session(token: request.token, provider: provider),
            Self.player(request.user) == session.player
        else {
            return Hub88Answer(.invalidToken, requestUUID: request.requestUUID, user: request.user)
        }
        return try await answer(.ok, request.requestUUID, player: session.player, currency: session.currency, balances: nil)
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
            return try await freeBet(request, provider: provider, player: player, token: token)
        }
        let operation = LedgerOperation(
            key: key(provider, request.transactionUUID), player: player, currency: request.currency,
            movement: .bet(units: units, house: .games(provider)), metadata: metadata(provider, request.gameCode, request.round))
        let arguments: Ledger.Arguments
        switch Ledger.arguments(for: operation) {
        case .failure(let refusal): return try await refuse(Self.status(refusal.code))
        case .success(let value): arguments = value
        }
        let statement = BetStatement(
            provider: provider, tokenHash: GameSessions.hash(token), game: request.gameCode, playable: playable, round: request.round,
            closed: request.roundClosed,
            ledger: arguments)
        let (status, real, bonus) = try await execute { connection in
            for try await (status, real, bonus, _) in try await connection.execute(statement, logger: logger) {
                return (status, real, bonus)
            }
            throw LedgerError.unexpectedResult("games_bet returned no row")
        }
        let balances = real.flatMap { real in bonus.map { Balances(real: real, bonus: $0, locked: 0) } }
        return try await answer(
            Self.status(sessionOrLedger: status), request.requestUUID, player: player, currency: request.currency, balances: balances,
            provider: provider)
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
        if units == 0 { return try await zeroWin(request, provider: provider, player: player, reference: key(provider, reference)) }
        let operation = LedgerOperation(
            key: key(provider, request.transactionUUID), player: player, currency: request.currency,
            movement: .win(units: units, house: .games(provider), bet: key(provider, reference)),
            metadata: metadata(provider, request.gameCode, request.round))
        let arguments: Ledger.Arguments
        switch Ledger.arguments(for: operation) {
        case .failure(let refusal):
            return try await answer(
                Self.status(refusal.code), request.requestUUID, player: player, currency: request.currency, balances: nil,
                provider: provider)
        case .success(let value): arguments = value
        }
        let statement = WinStatement(
            provider: provider, game: request.gameCode, round: request.round, closed: request.roundClosed, ledger: arguments)
        let (status, real, bonus) = try await execute { connection in
            for try await (status, real, bonus, _) in try await connection.execute(statement, logger: logger) {
                return (status, real, bonus)
            }
            throw LedgerError.unexpectedResult("games_win returned no row")
        }
        if status == ResultCode.referenceNotFound.rawValue, try await isFreeBet(reference, provider: provider, player: player) {
            // A free round's win: the bet moved no money, so the win stands on its own.
            let unreferenced = LedgerOperation(
                key: operation.key, player: player, currency: request.currency,
                movement: .win(units: units, house: .games(provider), bet: nil),
                metadata: operation.metadata.merging(["freeBet": reference]) { $1 })
            return try await settle(
                unreferenced, request.requestUUID, round: request.round, closed: request.roundClosed, bet: 0, win: units)
        }
        let balances = real.flatMap { real in bonus.map { Balances(real: real, bonus: $0, locked: 0) } }
        return try await answer(
            Self.status(sessionOrLedger: status), request.requestUUID, player: player, currency: request.currency, balances: balances,
            provider: provider)
    }

    func isFreeBet(_ uuid: String, provider: String, player: PlayerID) async throws -> Bool {
        try await database.withConnection { connection in
            try await connection.query(
                """
                SELECT 1 FROM games_free_transactions WHERE provider = \(provider) AND transaction_uuid = \(uuid) AND player_id = \(player.rawValue)
                   AND kind = 'bet' AND status = 'RS_OK'
                """, logger: logger
            ).collect().count > 0
        }
    }

    // MARK: - Calls that move no money

    /// A free bet: the session rules of any bet, then only the round opens.
    func freeBet(_ request: Hub88Request.Transaction, provider: String, player: PlayerID, token: String) async throws -> Hub88Answer {
        try await free(request, provider: provider, player: player, kind: "bet") {
            guard let session = try await sessions.session(token: token, provider: provider), session.player == player else {
                return .invalidToken
            }
            if session.expiresAt <= Date() { return .tokenExpired }
            if !session.playerActive { return .userDisabled }
            if session.gameCode != request.gameCode { return .invalidGame }
            if session.currency != request.currency { return .wrongCurrency }
            return .ok
        }
    }

    /// "You lost": no money moves, but the bet must exist and not be rolled back.
    func zeroWin(_ request: Hub88Request.Transaction, provider: String, player: PlayerID, reference: IdempotencyKey) async throws
        -> Hub88Answer
    {
        try await free(request, provider: provider, player: player, kind: "win") {
            try await zeroWinStatus(reference: reference, player: player)
        }
    }

    /// Idempotency for calls the ledger never sees: the first answer is stored with a hash of
    /// what defines the call; an exact replay gets that answer, a changed one a duplicate.
    func free(_ request: Hub88Request.Transaction, provider: String, player: PlayerID, kind: String, check: () async throws -> Hub88Status)
        async throws
        -> Hub88Answer
    {
        let hash = Array(
            SHA256.hash(
                data: Data(
                    CanonicalJSON.array([
                        kind, String(player.rawValue), request.currency, request.gameCode, request.round,
                        request.referenceTransactionUUID ?? "",
                    ]).utf8)))
        let stored: (ByteBuffer, String, Int64?)? = try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT payload_hash, status, balance FROM games_free_transactions WHERE provider = \(provider) AND transaction_uuid = \(request.transactionUUID)",
                logger: logger)
            for try await row in rows.decode((ByteBuffer, String, Int64?).self) { return row }
            return nil
        }
        if let (storedHash, status, balance) = stored {
            guard Array(buffer: storedHash) == hash, let status = Hub88Status(rawValue: status) else {
                return try await answer(
                    .duplicateTransaction, request.requestUUID, player: player, currency: request.currency, balances: nil,
                    provider: provider)
            }
            return Hub88Answer(status, requestUUID: request.requestUUID, user: request.user, currency: request.currency, balance: balance)
        }
        let status = try await check()
        let reply = try await answer(
            status, request.requestUUID, player: player, currency: request.currency, balances: nil, provider: provider)
        guard status == .ok else { return reply }
        try await rounds.record(
            provider: provider, round: request.round, player: player, gameCode: request.gameCode, currency: request.currency, betUnits: 0,
            winUnits: 0,
            closed: request.roundClosed)
        try await database.withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO games_free_transactions (provider, transaction_uuid, kind, payload_hash, status, player_id, currency, balance)
                VALUES (\(provider), \(request.transactionUUID), \(kind), \(ByteBuffer(bytes: hash)), \(status.rawValue), \(player.rawValue), \(request.currency),
                        \(reply.balance)) ON CONFLICT DO NOTHING
                """, logger: logger
            ).collect()
        }
        return reply
    }

    func rollback(_ request: Hub88Request.Rollback, provider: String) async throws -> Hub88Answer {
        guard let player = Self.player(request.user) else {
            return Hub88Answer(.transactionDoesNotExist, requestUUID: request.requestUUID, user: request.user)
        }
        let reference = key(provider, request.referenceTransactionUUID)
        guard let original = try await referencedTransaction(reference) else {
            // Unknown so far: the ledger leaves a tombstone so that a late bet is refused. The
            // tombstone needs a currency; the token's session names it, and stays the same when
            // the rollback is retried.
            var currency = "EUR"
            if let token = request.token, let session = try await sessions.session(token: token, provider: provider) {
                currency = session.currency
            } else if let latest = try await currencyOfPlayer(player) {
                currency = latest
            }
            let operation = LedgerOperation(
                key: key(provider, request.transactionUUID), player: player, currency: currency, movement: .rollback(of: reference),
                metadata: metadata(provider, request.gameCode ?? "", request.round ?? ""))
            let outcome = try await ledger.apply(operation)
            return try await answer(
                Self.status(outcome.code), request.requestUUID, player: player, currency: currency, balances: nil, provider: provider)
        }
        let operation = LedgerOperation(
            key: key(provider, request.transactionUUID), player: player, currency: original.currency, movement: .rollback(of: reference),
            metadata: metadata(provider, request.gameCode ?? "", request.round ?? ""))
        let (bet, win) = original.kind == "bet" ? (-original.units, Int64(0)) : (Int64(0), -original.units)
        return try await settle(
            operation, request.requestUUID, round: request.round ?? original.round, closed: request.roundClosed ?? false, bet: bet, win: win
        )
    }

    // MARK: - The ledger

    /// Applies the operation, records the round when money moved, and answers with the balance.
    func settle(_ operation: LedgerOperation, _ requestUUID: String, round: String, closed: Bool, bet: Int64, win: Int64) async throws
        -> Hub88Answer
    {
        let outcome = try await ledger.apply(operation)
        if outcome.code == .ok, !outcome.replayed {
            try await rounds.record(
                provider: operation.metadata["provider"] ?? "", round: round, player: operation.player,
                gameCode: operation.metadata["game"] ?? "",
                currency: operation.currency, betUnits: bet, winUnits: win, closed: closed)
        }
        return try await answer(
            Self.status(outcome.code), requestUUID, player: operation.player, currency: operation.currency, balances: outcome.balances)
    }

    /// `games_bet`/`games_win` answer a session refusal or a ledger result code.
    static func status(sessionOrLedger code: String) -> Hub88Status {
        switch code {
        case "invalidToken": .invalidToken
        case "tokenExpired": .tokenExpired
        case "userDisabled": .userDisabled
        case "invalidGame": .invalidGame
        case "wrongCurrency": .wrongCurrency
        default: ResultCode(rawValue: code).map(status) ?? .unknown
        }
    }

    /// Runs a statement, retrying the rare conflict between twins of one key (as the ledger does).
    func execute<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        for attempt in 1... {
            do {
                return try await database.withConnection { try await body($0) }
            } catch let error as PSQLError where attempt < 3 && Ledger.isRetryable(error) {
                continue
            }
        }
        preconditionFailure("unreachable: the retry loop returns or throws")
    }

    static func status(_ code: ResultCode) -> Hub88Status {
        switch code {
        case .ok: .ok
        case .insufficientFunds: .notEnoughMoney
        case .duplicateMismatch: .duplicateTransaction
        case .referenceNotFound: .transactionDoesNotExist
        case .alreadyRolledBack: .transactionRolledBack
        case .currencyMismatch, .unknownCurrency: .wrongCurrency
        case .invalidAmount, .amountOverflow: .wrongTypes
        case .invalidKey, .invalidMetadata: .wrongSyntax
        case .alreadySettled, .notReversible: .unknown
        }
    }

    func key(_ provider: String, _ uuid: String) -> IdempotencyKey { IdempotencyKey(scope: Self.scope, key: "\(provider):\(uuid)") }

    /// What makes two calls with one transaction_uuid "the same" (Hub88: amount, currency, round,
    /// user, game, reference); the ledger hashes it with the amount, player and reference.
    func metadata(_ provider: String, _ game: String, _ round: String) -> [String: String] {
        ["provider": provider, "game": String(game.prefix(100)), "round": String(round.prefix(200))]
    }

    /// The answer with the player's playable balance (real + bonus) in Hub88 units.
    func answer(
        _ status: Hub88Status, _ requestUUID: String, player: PlayerID, currency code: String, balances: Balances?, provider: String? = nil
    )
        async throws -> Hub88Answer
    {
        var balances = balances
        if balances == nil {
            // A refusal names a player the caller may not know: only a provider the player has
            // played with learns their balance.
            if let provider, !(try await hasPlayed(player, with: provider)) {
                return Hub88Answer(status, requestUUID: requestUUID, user: String(player.rawValue), currency: code)
            }
            balances = try await ledger.balances(of: player)[code] ?? .zero
        }
        let scale = try await registry.currency(code)?.scale ?? Hub88Amount.scale
        let playable = (balances?.real ?? 0).addingReportingOverflow(balances?.bonus ?? 0)
        return Hub88Answer(
            status, requestUUID: requestUUID, user: String(player.rawValue), currency: code,
            balance: Hub88Amount.wire(units: playable.overflow ? .max : playable.partialValue, scale: scale))
    }

    // MARK: - Lookups

    struct Referenced {
        let kind: String
        let currency: String
        let units: Int64
        let round: String
        let player: PlayerID
    }

    func referencedTransaction(_ key: IdempotencyKey) async throws -> Referenced? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT kind, currency, abs(real_delta + bonus_delta), coalesce(metadata->>'round', ''), player_id FROM ledger_transactions
                 WHERE idempotency_scope = \(key.scope) AND idempotency_key = \(key.key)
                """, logger: logger)
            for try await (kind, currency, units, round, player) in rows.decode((String, String, Int64, String, Int64).self) {
                return Referenced(kind: kind, currency: currency, units: units, round: round, player: PlayerID(player))
            }
            return nil
        }
    }

    func zeroWinStatus(reference: IdempotencyKey, player: PlayerID) async throws -> Hub88Status {
        guard let bet = try await referencedTransaction(reference), bet.player == player else {
            let tombstoned = try await database.withConnection { connection in
                try await connection.query(
                    "SELECT 1 FROM ledger_tombstones WHERE reference_scope = \(reference.scope) AND reference_key = \(reference.key)",
                    logger: logger
                ).collect().count > 0
            }
            return tombstoned ? .transactionRolledBack : .transactionDoesNotExist
        }
        let rolledBack = try await database.withConnection { connection in
            try await connection.query(
                """
                SELECT 1 FROM ledger_transactions r JOIN ledger_transactions b ON r.reference_id = b.id
                 WHERE b.idempotency_scope = \(reference.scope) AND b.idempotency_key = \(reference.key) AND r.kind = 'rollback'
                """, logger: logger
            ).collect().count > 0
        }
        return rolledBack ? .transactionRolledBack : .ok
    }

    func hasPlayed(_ player: PlayerID, with provider: String) async throws -> Bool {
        try await database.withConnection { connection in
            try await connection.query(
                "SELECT 1 FROM games_sessions WHERE player_id = \(player.rawValue) AND provider = \(provider) LIMIT 1", logger: logger
            ).collect().count > 0
        }
    }

    func registrationDate(of player: PlayerID) async throws -> String? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM identity_players WHERE id = \(player.rawValue)",
                logger: logger)
            for try await date in rows.decode(String.self) { return date }
            return nil
        }
    }

    /// For a rollback of a bet we never saw: the currency of the player's most recent session.
    func currencyOfPlayer(_ player: PlayerID) async throws -> String? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT currency FROM games_sessions WHERE player_id = \(player.rawValue) ORDER BY created_at DESC LIMIT 1", logger: logger)
            for try await currency in rows.decode(String.self) { return currency }
            return nil
        }
    }

    // MARK: - Parsing

    /// A player id is our `user`; anything that is not one names nobody.
    static func player(_ user: String) -> PlayerID? {
        guard user.utf8.count <= 19, user.allSatisfy(\.isASCII), let id = Int64(user), id > 0 else { return nil }
        return PlayerID(id)
    }

    struct Refusal: Error {
        let status: Hub88Status
    }

    /// Malformed JSON or a missing field is WRONG_SYNTAX; a field of the wrong type is WRONG_TYPES.
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch DecodingError.keyNotFound, DecodingError.valueNotFound {
            throw Refusal(status: .wrongSyntax)
        } catch {
            // Well-formed JSON with every field present, yet undecodable: a field has the wrong
            // type (a string amount, a fractional one, "yes" for a boolean).
            let isObject = (try? JSONSerialization.jsonObject(with: Data(body))) is [String: Any]
            throw Refusal(status: isObject ? .wrongTypes : .wrongSyntax)
        }
    }

    /// The request_uuid of a body we refuse, to echo it, if there is one to find.
    static func requestUUID(in body: [UInt8]) -> String? {
        guard body.count <= 1 << 16, let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        return (object["request_uuid"] as? String).map { String($0.prefix(200)) }
    }
}
