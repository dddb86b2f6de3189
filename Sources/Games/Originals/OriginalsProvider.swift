import AsyncHTTPClient
import Core
import Crypto
import CryptoExtras
import Foundation
import Logging
import NIOCore
import NIOPosix
import Persistence
import PostgresNIO

/// Croupier Originals, the built-in provider (docs/games/originals.md). It is registered as an
/// ordinary Hub88 provider and talks to the wallet over HTTP with signed requests, exactly as an
/// outside provider would: every demo round exercises the real protocol. It works in Hub88
/// units (1/100000 of the currency) and knows nothing of the ledger.
public struct OriginalsProvider: Sendable {
    public static let code = "originals"
    /// Rounds and launches may last this long.
    static let sessionLifetime: TimeInterval = 12 * 3600

    let store: OriginalsStore
    let keys: Keys
    /// Where the game pages are served: `<base>/originals/play/…`.
    let publicURL: String
    let logger: Logger
    /// Sends a signed body to a wallet endpoint; HTTP by default, replaced in tests.
    let transport: WalletTransport

    struct Keys: Sendable {
        let provider: _RSA.Signing.PrivateKey
        let operatorKey: _RSA.Signing.PublicKey
    }

    /// Both key pairs' private halves (the public halves derive from them), sealed in
    /// `originals_settings`, so the provider registration can always be made again from them.
    struct SealedKeys: Codable {
        let providerPrivateKey: String
        let operatorPrivateKey: String
    }

    public struct Catalogue: Sendable {
        public let code: String
        public let name: String
        public let rtpBasisPoints: Int
        public let volatility: String
    }

    public static let games = [
        Catalogue(code: "dice", name: "Dice", rtpBasisPoints: Dice.rtpBasisPoints, volatility: "low"),
        Catalogue(code: "slot", name: "Croupier Sevens", rtpBasisPoints: Slot.rtpBasisPoints, volatility: "medium"),
    ]

    /// Registers Originals as a provider the first time (two fresh RSA key pairs: its own and the
    /// operator's for it), refreshes its games, and returns the provider ready to serve.
    public static func setUp(
        providers: ProviderDirectory, database: Database, secret: SecretKey, publicURL: String, walletURL: String, logger: Logger,
        client: HTTPClient = .shared, transport: WalletTransport? = nil
    ) async throws -> OriginalsProvider {
        let sealer = RowSealer(secret: secret, purpose: "originals-credentials")
        let store = OriginalsStore(database: database, logger: logger)
        func storedKeys() async throws -> ByteBuffer? {
            try await database.withConnection { connection in
                for try await value in try await connection.query("SELECT credentials FROM originals_settings WHERE id = 1", logger: logger)
                    .decode(ByteBuffer.self)
                {
                    return value
                }
                return nil
            }
        }
        var stored = try await storedKeys()
        if stored == nil {
            // The first copy of the server to get here makes the keys; any other reads them. RSA key
            // generation takes long enough on a busy core to stall every task queued behind it, so
            // it runs on NIO's thread pool, not on a concurrency thread.
            let candidate = try await NIOThreadPool.singleton.runIfActive {
                SealedKeys(
                    providerPrivateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation,
                    operatorPrivateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation)
            }
            let box = ByteBuffer(bytes: try sealer.seal(try JSONEncoder().encode(candidate), for: "settings"))
            try await database.withConnection { connection in
                _ = try await connection.query(
                    "INSERT INTO originals_settings (id, credentials) VALUES (1, \(box)) ON CONFLICT DO NOTHING", logger: logger
                ).collect()
            }
            stored = try await storedKeys()
        }
        guard let stored else { throw OriginalsError.notConfigured }
        let sealed = try JSONDecoder().decode(
            SealedKeys.self, from: sealer.open(Array(buffer: stored), for: "settings"))
        let providerKey = try _RSA.Signing.PrivateKey(pemRepresentation: sealed.providerPrivateKey)
        let operatorKey = try _RSA.Signing.PrivateKey(pemRepresentation: sealed.operatorPrivateKey)
        if try await providers.provider(code) == nil {
            do {
                _ = try await providers.add(
                    code: code, name: "Croupier Originals", dialect: "hub88", apiURL: publicURL + "/originals", operatorID: 1,
                    providerKeyPEM: providerKey.publicKey.pemRepresentation, operatorKeyPEM: operatorKey.pemRepresentation, currencies: [])
                logger.notice("Croupier Originals registered as provider \(code)")
            } catch ProviderDirectoryError.codeTaken {
                // Another copy registered it at the same moment, from the same keys.
            }
        }
        try await providers.update(code, apiURL: publicURL + "/originals")
        try await providers.upsert(
            games.enumerated().map { index, game in
                Game(
                    provider: code, code: game.code, name: game.name, category: "originals", rtpBasisPoints: game.rtpBasisPoints,
                    volatility: game.volatility,
                    thumbnailURL: "\(publicURL)/img/originals/\(game.code).svg", displayOrder: index)
            })
        let keys = Keys(provider: providerKey, operatorKey: operatorKey.publicKey)
        return OriginalsProvider(
            store: store, keys: keys, publicURL: publicURL, logger: logger,
            transport: transport ?? .http(walletURL: walletURL, client: client))
    }

    // MARK: - The operator's calls to us (Hub88 Games API)

    public struct HTTPAnswer: Sendable {
        public let status: Int
        public let body: [UInt8]
    }

    struct LaunchRequest: Decodable {
        let user: String
        let token: String
        let currency: String
        let gameCode: String
        let lang: String?
        enum CodingKeys: String, CodingKey {
            case user, token, currency, lang
            case gameCode = "game_code"
        }
    }

    /// `POST /originals/operator/generic/v2/game/url`.
    public func gameURL(body: [UInt8], signature: String?) async throws -> HTTPAnswer {
        guard Hub88Signature.isValid(signature, for: body, key: keys.operatorKey) else {
            return Self.json(401, ["error": "invalid signature"])
        }
        guard let request = try? JSONDecoder().decode(LaunchRequest.self, from: Data(body)) else {
            return Self.json(400, ["error": "malformed request"])
        }
        guard Self.games.contains(where: { $0.code == request.gameCode }) else { return Self.json(404, ["error": "unknown game"]) }
        guard (10...255).contains(request.token.utf8.count), (1...64).contains(request.user.utf8.count), request.currency.utf8.count <= 10
        else {
            return Self.json(400, ["error": "malformed request"])
        }
        let session = try await store.createSession(
            operatorToken: request.token, player: request.user, gameCode: request.gameCode, currency: request.currency,
            language: request.lang == "ru" ? "ru" : "en", lifetime: Self.sessionLifetime)
        return Self.json(
            200, ["url": "\(publicURL)/originals/play/\(request.gameCode)?session=\(session)&lang=\(request.lang == "ru" ? "ru" : "en")"])
    }

    /// `POST /originals/operator/generic/v2/game/list`.
    public func gameList(body: [UInt8], signature: String?) -> HTTPAnswer {
        guard Hub88Signature.isValid(signature, for: body, key: keys.operatorKey) else {
            return Self.json(401, ["error": "invalid signature"])
        }
        let list: [[String: Any]] = Self.games.map {
            [
                "game_code": $0.code, "name": $0.name, "category": "originals", "url_thumb": "\(publicURL)/img/originals/\($0.code).svg",
                "enabled": true,
            ]
        }
        return HTTPAnswer(
            status: 200, body: Array((try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])) ?? Data("[]".utf8)))
    }

    static func json(_ status: Int, _ object: [String: String]) -> HTTPAnswer {
        HTTPAnswer(status: status, body: Array((try? JSONEncoder.sorted.encode(object)) ?? Data("{}".utf8)))
    }

    // MARK: - Play

    public struct SessionView: Sendable {
        public let id: String
        public let gameCode: String
        public let currency: String
        public let language: String
        public let balance: String?
        public let serverSeedHash: String
        public let clientSeed: String
        public let nonce: Int64
    }

    /// What a game page shows when it opens: the session, the seeds, and the balance from the
    /// operator (nil when the wallet did not answer).
    public func open(session id: String) async throws -> SessionView? {
        guard let session = try await store.session(id), session.expiresAt > Date() else { return nil }
        let seeds = try await store.activeSeeds(of: session.player)
        let balance = try? await wallet(
            "user/balance",
            [
                "user": session.player, "token": session.operatorToken, "request_uuid": UUID().uuidString.lowercased(),
                "game_code": session.gameCode,
            ])
        return SessionView(
            id: session.id, gameCode: session.gameCode, currency: session.currency, language: session.language,
            balance: balance.flatMap { $0.balance }.map(Self.display), serverSeedHash: seeds.serverSeedHash, clientSeed: seeds.clientSeed,
            nonce: seeds.nonce)
    }

    public enum Choice: Sendable {
        case dice(target: Int, direction: Dice.Direction)
        case slot
    }

    public struct PlayAnswer: Sendable {
        public let status: String
        public let bet: String?
        public let win: String?
        public let balance: String?
        /// The round as JSON: id, nonce, seeds, and the game's outcome.
        let round: Data?

        static func refused(_ status: String, balance: Int64? = nil) -> PlayAnswer {
            PlayAnswer(status: status, bet: nil, win: nil, balance: balance.map(OriginalsProvider.display), round: nil)
        }

        /// The JSON the game page reads.
        public var body: [UInt8] {
            var object: [String: Any] = ["status": status]
            if let bet { object["bet"] = bet }
            if let win { object["win"] = win }
            if let balance { object["balance"] = balance }
            if let round, let value = try? JSONSerialization.jsonObject(with: round) { object["round"] = value }
            return Array(
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(#"{"status":"rejected"}"#.utf8))
        }
    }

    /// Limits, in Hub88 units: 0.10 to 1000 for dice, 0.10 to 100 for the slot.
    static let minimumBet: Int64 = 10_000
    static func maximumBet(_ game: String) -> Int64 { game == "slot" ? 10_000_000 : 100_000_000 }

    /// One round: the outcome is fixed by the seeds and the next nonce before the bet is placed;
    /// then bet, then the win (0 for a loss) closing the round, both through the wallet API.
    public func play(session id: String, bet betText: String, choice: Choice) async throws -> PlayAnswer {
        guard let session = try await store.session(id), session.expiresAt > Date() else { return .refused("sessionExpired") }
        guard let bet = try? Amount.units(fromDecimal: betText, scale: Hub88Amount.scale), bet >= Self.minimumBet,
            bet <= Self.maximumBet(session.gameCode)
        else { return .refused("invalidBet") }
        switch (choice, session.gameCode) {
        case (.dice(let target, let direction), "dice"):
            guard Dice.isValid(target: target, direction: direction) else { return .refused("invalidBet") }
        case (.slot, "slot"): guard Slot.isValid(bet: bet) else { return .refused("invalidBet") }
        default: return .refused("invalidBet")
        }
        let seeds = try await store.reserveNonce(of: session.player)
        let numbers = ProvablyFair.numbers(serverSeed: seeds.serverSeed, clientSeed: seeds.clientSeed, nonce: seeds.nonce)
        var round: [String: Any] = ["nonce": seeds.nonce, "serverSeedHash": seeds.serverSeedHash, "clientSeed": seeds.clientSeed]
        let payout: Int64
        let parameters: [String: Any]
        let outcome: [String: Any]
        switch choice {
        case .dice(let target, let direction):
            let result = Dice.play(bet: bet, target: target, direction: direction, numbers: numbers)
            payout = result.payout
            parameters = ["target": target, "direction": direction.rawValue]
            outcome = ["roll": result.roll, "won": result.won]
            round["dice"] = [
                "roll": result.roll, "target": target, "direction": direction.rawValue, "won": result.won,
                "multiplier": Dice.multiplierText(target: target, direction: direction),
            ]
        case .slot:
            let result = Slot.play(bet: bet, numbers: numbers)
            payout = result.payout
            parameters = ["lines": Slot.lines.count]
            outcome = ["stops": result.stops, "reels": result.reels.map { $0.map(\.rawValue) }]
            round["slot"] = [
                "stops": result.stops, "reels": result.reels.map { $0.map(\.rawValue) },
                "lines": result.wins.map {
                    [
                        "line": $0.line, "symbol": $0.symbol.rawValue, "count": $0.count, "win": Self.display($0.payout),
                        "rows": Slot.lines[$0.line - 1],
                    ]
                },
            ]
        }
        let roundID = "orig-\(session.player)-\(seeds.id)-\(seeds.nonce)"
        let betUUID = "\(roundID)-bet"
        let base: [String: Any] = [
            "user": session.player, "token": session.operatorToken, "round": roundID, "game_code": session.gameCode,
            "currency": session.currency,
            "supplier_transaction_id": roundID, "is_free": false,
        ]
        let placed: WalletAnswer
        do {
            placed = try await wallet(
                "transaction/bet",
                base.merging([
                    "transaction_uuid": betUUID, "request_uuid": UUID().uuidString.lowercased(), "amount": bet, "round_closed": false,
                ]) { $1 })
        } catch {
            // Hub88's rule for suppliers: a bet whose fate is unknown is rolled back (once here;
            // a rollback that also goes unanswered is left to reconciliation).
            logger.error("originals bet failed; rolling it back", metadata: ["round": "\(roundID)", "reason": "\(error)"])
            _ = try? await wallet(
                "transaction/rollback",
                [
                    "user": session.player, "token": session.operatorToken, "transaction_uuid": "\(roundID)-rollback",
                    "reference_transaction_uuid": betUUID,
                    "round": roundID, "round_closed": true, "game_code": session.gameCode, "request_uuid": UUID().uuidString.lowercased(),
                ])
            return .refused("walletUnavailable")
        }
        switch placed.status {
        case "RS_OK": break
        case "RS_ERROR_NOT_ENOUGH_MONEY": return .refused("notEnoughMoney", balance: placed.balance)
        case "RS_ERROR_TOKEN_EXPIRED", "RS_ERROR_INVALID_TOKEN": return .refused("sessionExpired", balance: placed.balance)
        default: return .refused("rejected", balance: placed.balance)
        }
        // Recorded before the win is sent: a win the wallet does not answer now is sent again by
        // `settlePending` until it is (Hub88's rule for suppliers: retry wins, never drop them).
        let id = try await store.recordRound(
            player: session.player, seed: seeds, nonce: seeds.nonce, game: session.gameCode, currency: session.currency, bet: bet,
            win: payout,
            parameters: Self.canonical(parameters), outcome: Self.canonical(outcome), operatorToken: session.operatorToken)
        var settled: WalletAnswer?
        for attempt in 1...3 {
            do {
                settled = try await sendWin(
                    player: session.player, token: session.operatorToken, roundID: roundID, game: session.gameCode,
                    currency: session.currency, payout: payout)
                break
            } catch {
                logger.warning(
                    "originals win not answered", metadata: ["round": "\(roundID)", "attempt": "\(attempt)", "reason": "\(error)"])
                if attempt < 3 { try await Task.sleep(for: .milliseconds(200 * attempt)) }
            }
        }
        guard let settled, settled.status == "RS_OK" else {
            logger.error("originals win not settled yet", metadata: ["round": "\(roundID)", "status": "\(settled?.status ?? "no answer")"])
            return .refused("walletUnavailable", balance: settled?.balance ?? placed.balance)
        }
        try await store.markSettled(id)
        round["id"] = String(id)
        return PlayAnswer(
            status: "ok", bet: Self.display(bet), win: Self.display(payout), balance: settled.balance.map(Self.display),
            round: try JSONSerialization.data(withJSONObject: round, options: [.sortedKeys]))
    }

    /// The win that closes a round (0 for a loss); the same transaction_uuid every time it is sent.
    func sendWin(player: String, token: String, roundID: String, game: String, currency: String, payout: Int64) async throws -> WalletAnswer
    {
        try await wallet(
            "transaction/win",
            [
                "user": player, "token": token, "round": roundID, "game_code": game, "currency": currency,
                "supplier_transaction_id": roundID,
                "is_free": false, "transaction_uuid": "\(roundID)-win", "reference_transaction_uuid": "\(roundID)-bet",
                "request_uuid": UUID().uuidString.lowercased(), "amount": payout, "round_closed": true,
            ])
    }

    /// Sends again every win the wallet has not answered (rounds older than `age`); returns how
    /// many rounds it settled. A win the wallet refuses because its bet was rolled back is owed
    /// nothing and is settled too.
    @discardableResult
    public func settlePending(olderThan age: TimeInterval = 30) async throws -> Int {
        var count = 0
        for round in try await store.unsettled(olderThan: age) {
            let roundID = "orig-\(round.player)-\(round.seedID)-\(round.nonce)"
            guard
                let answer = try? await sendWin(
                    player: round.player, token: round.operatorToken, roundID: roundID, game: round.game, currency: round.currency,
                    payout: round.win)
            else { continue }
            switch answer.status {
            case "RS_OK", "RS_ERROR_TRANSACTION_ROLLED_BACK", "RS_ERROR_TRANSACTION_DOES_NOT_EXIST":
                if answer.status != "RS_OK" {
                    logger.notice("originals round owes nothing", metadata: ["round": "\(roundID)", "status": "\(answer.status)"])
                }
                try await store.markSettled(round.id)
                count += 1
            default:
                logger.error("originals win refused", metadata: ["round": "\(roundID)", "status": "\(answer.status)"])
            }
        }
        return count
    }

    public struct SeedAnswer: Sendable {
        public let revealed: (serverSeed: String, serverSeedHash: String, clientSeed: String, lastNonce: Int64)?
        public let serverSeedHash: String
        public let clientSeed: String
        public let nonce: Int64
    }

    /// Reveals the current server seed (so past rounds can be checked) and starts a new pair.
    public func rotateSeeds(session id: String, clientSeed: String) async throws -> SeedAnswer? {
        guard let session = try await store.session(id), ProvablyFair.isValidClientSeed(clientSeed) else { return nil }
        let (revealed, current) = try await store.rotate(player: session.player, clientSeed: clientSeed)
        return SeedAnswer(
            revealed: revealed.map { ($0.serverSeed, $0.serverSeedHash, $0.clientSeed, $0.nonce - 1) },
            serverSeedHash: current.serverSeedHash,
            clientSeed: current.clientSeed, nonce: current.nonce)
    }

    public struct PastRound: Sendable {
        public let id: String
        public let game: String
        public let nonce: Int64
        public let clientSeed: String
        public let serverSeedHash: String
        public let serverSeed: String
        public let bet: String
        public let win: String
        public let parameters: String
        public let outcome: String
        public let at: Date
    }

    public func history(session id: String) async throws -> (rounds: [PastRound], current: SessionView)? {
        guard let session = try await store.session(id) else { return nil }
        let seeds = try await store.activeSeeds(of: session.player)
        let rounds = try await store.rounds(of: session.player).map {
            PastRound(
                id: String($0.id), game: $0.game, nonce: $0.nonce, clientSeed: $0.clientSeed, serverSeedHash: $0.serverSeedHash,
                serverSeed: $0.serverSeed,
                bet: Self.display($0.bet), win: Self.display($0.win), parameters: $0.parameters, outcome: $0.outcome, at: $0.at)
        }
        let view = SessionView(
            id: session.id, gameCode: session.gameCode, currency: session.currency, language: session.language, balance: nil,
            serverSeedHash: seeds.serverSeedHash, clientSeed: seeds.clientSeed, nonce: seeds.nonce)
        return (rounds, view)
    }

    // MARK: - The wallet, over HTTP

    public struct WalletAnswer: Decodable, Sendable {
        public let status: String
        public let balance: Int64?

        public init(status: String, balance: Int64?) {
            self.status = status
            self.balance = balance
        }
    }

    /// A signed call to the operator's wallet; throws when it did not answer at all.
    func wallet(_ endpoint: String, _ payload: [String: Any]) async throws -> WalletAnswer {
        let body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        return try await transport.send(endpoint, body, try Hub88Signature.sign(body, with: keys.provider))
    }

    // MARK: - Formatting

    /// Hub88 units as a decimal with at least two places: 10198000 → "101.98".
    public static func display(_ units: Int64) -> String {
        var text = Amount.decimal(units: units, scale: Hub88Amount.scale)
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 { text.removeLast() }
        return text
    }

    static func canonical(_ object: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// How Originals reaches the operator's wallet: signed bodies to `/providers/originals/<endpoint>`.
public struct WalletTransport: Sendable {
    public let send: @Sendable (_ endpoint: String, _ body: Data, _ signature: String) async throws -> OriginalsProvider.WalletAnswer

    public init(
        send: @escaping @Sendable (_ endpoint: String, _ body: Data, _ signature: String) async throws -> OriginalsProvider.WalletAnswer
    ) {
        self.send = send
    }

    static func http(walletURL: String, client: HTTPClient) -> WalletTransport {
        WalletTransport { endpoint, body, signature in
            var request = HTTPClientRequest(url: "\(walletURL)/providers/\(OriginalsProvider.code)/\(endpoint)")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: Hub88Signature.header, value: signature)
            request.body = .bytes(ByteBuffer(data: body))
            // Generous: a bet that times out is rolled back and the round is lost to the player,
            // so only a wallet that is truly stuck should end it.
            let response = try await client.execute(request, timeout: .seconds(20))
            let answer = try await response.body.collect(upTo: 1 << 16)
            guard response.status == .ok else { throw OriginalsError.storage("the wallet answered HTTP \(response.status.code)") }
            return try JSONDecoder().decode(OriginalsProvider.WalletAnswer.self, from: Data(buffer: answer))
        }
    }
}
