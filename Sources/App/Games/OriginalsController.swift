import Core
import Foundation
import Games
import HTTPTypes
import Hummingbird
import Logging
import Persistence
import ServiceLifecycle

/// Croupier Originals, served by the same binary under `/originals/`: the Hub88 Games API the
/// operator calls to launch (`operator/generic/v2/game/url|list`), the game pages shown in the
/// operator's frame, and their JSON API. The game pages are authorised by the session id in
/// their URL (the provider's own session), not by the casino's cookie.
struct OriginalsController {
    let pages: PageRenderer
    let originals: OriginalsHolder

    struct PlayRequest: Decodable {
        struct DiceChoice: Decodable {
            let target: Int
            let direction: Dice.Direction
        }
        struct SlotChoice: Decodable {}

        let session: String
        let bet: String
        let dice: DiceChoice?
        let slot: SlotChoice?
    }

    struct SeedRequest: Decodable {
        let session: String
        let clientSeed: String
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/originals/operator/generic/v2/game/url") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            let answer = try await originals.get().gameURL(
                body: Array(buffer: body), signature: request.headers[HTTPField.Name(Hub88Signature.header)!])
            return Self.json(answer.body, status: .init(code: answer.status))
        }
        router.post("/originals/operator/generic/v2/game/list") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            let answer = try await originals.get().gameList(
                body: Array(buffer: body), signature: request.headers[HTTPField.Name(Hub88Signature.header)!])
            return Self.json(answer.body, status: .init(code: answer.status))
        }
        router.get("/originals/play/:game") { request, context -> Response in
            guard let session = request.uri.queryParameters["session"].map(String.init),
                let view = try await originals.get().open(session: session), view.gameCode == (try context.parameters.require("game"))
            else { throw AppError(.notFound, code: .sessionExpired) }
            var response = pages.render(
                "originals_\(view.gameCode)", face: .player, title: "originals.\(view.gameCode).title", fields: fields(view),
                request: request, context: context)
            response.headers[.contentSecurityPolicy] = SecurityHeadersMiddleware<AppRequestContext>.contentSecurityPolicy(frameAncestors: [
                "'self'"
            ])
            return response
        }
        router.post("/originals/api/play") { request, context -> Response in
            let body: PlayRequest
            do {
                body = try await request.decode(as: PlayRequest.self, context: context)
            } catch {
                return Self.json(Array(#"{"status":"invalidBet"}"#.utf8))
            }
            let choice: OriginalsProvider.Choice
            if let dice = body.dice {
                choice = .dice(target: dice.target, direction: dice.direction)
            } else if body.slot != nil {
                choice = .slot
            } else {
                return Self.json(Array(#"{"status":"invalidBet"}"#.utf8))
            }
            return Self.json(try await originals.get().play(session: body.session, bet: body.bet, choice: choice).body)
        }
        router.post("/originals/api/seed") { request, context -> Response in
            let body = try await request.decode(as: SeedRequest.self, context: context)
            guard let answer = try await originals.get().rotateSeeds(session: body.session, clientSeed: body.clientSeed) else {
                throw AppError(.badRequest, code: .clientSeedInvalid)
            }
            var object: [String: Any] = ["serverSeedHash": answer.serverSeedHash, "clientSeed": answer.clientSeed, "nonce": answer.nonce]
            if let revealed = answer.revealed {
                object["revealed"] = [
                    "serverSeed": revealed.serverSeed, "serverSeedHash": revealed.serverSeedHash, "clientSeed": revealed.clientSeed,
                    "lastNonce": revealed.lastNonce,
                ]
            } else {
                object["revealed"] = NSNull()
            }
            return Self.json(Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
        }
        router.get("/originals/fairness") { request, context -> Response in
            guard let session = request.uri.queryParameters["session"].map(String.init),
                let (rounds, current) = try await originals.get().history(session: session)
            else { throw AppError(.notFound, code: .sessionExpired) }
            let language = Localization.language(for: request)
            let fields: [String: Any] = [
                "session": session,
                "current": ["serverSeedHash": current.serverSeedHash, "clientSeed": current.clientSeed, "nonce": current.nonce],
                "rounds": rounds.map { round -> [String: Any] in
                    [
                        "id": round.id, "game": round.game,
                        "gameLabel": pages.localization.string("originals.\(round.game).title", in: language),
                        "nonce": round.nonce, "clientSeed": round.clientSeed, "serverSeedHash": round.serverSeedHash,
                        "serverSeed": round.serverSeed,
                        "revealed": !round.serverSeed.isEmpty, "bet": round.bet, "win": round.win,
                        "outcomeText": outcomeText(round, language: language),
                        "parametersJSON": round.parameters, "outcomeJSON": round.outcome, "atText": DisplayTime.text(round.at),
                    ]
                },
                "hasRounds": !rounds.isEmpty,
                "reelLengths": Slot.strips.map(\.count).map(String.init).joined(separator: ","),
            ]
            var response = pages.render(
                "originals_fairness", face: .player, title: "originals.fairness.title", fields: fields, request: request, context: context)
            response.headers[.contentSecurityPolicy] = SecurityHeadersMiddleware<AppRequestContext>.contentSecurityPolicy(frameAncestors: [
                "'self'"
            ])
            return response
        }
    }

    private func fields(_ view: OriginalsProvider.SessionView) -> [String: Any] {
        var fields: [String: Any] = [
            "session": view.id, "currency": view.currency, "balance": view.balance ?? "—", "serverSeedHash": view.serverSeedHash,
            "clientSeed": view.clientSeed, "nonce": view.nonce, "fairnessURL": "/originals/fairness?session=\(view.id)",
            "minBet": "0.10", "maxBet": view.gameCode == "slot" ? "100.00" : "1000.00", "defaultBet": "1.00",
        ]
        if view.gameCode == "slot" {
            fields["lines"] = Slot.lines.count
            fields["symbols"] = Slot.Symbol.allCases.map { ["symbol": $0.rawValue, "label": $0.rawValue.capitalized] }
            fields["paytable"] = Slot.Symbol.allCases.compactMap { symbol -> [String: Any]? in
                guard let pays = Slot.paytable[symbol] else { return nil }
                return [
                    "symbol": symbol.rawValue, "label": symbol.rawValue.capitalized, "three": String(pays.three), "four": String(pays.four),
                    "five": String(pays.five),
                ]
            }
        }
        return fields
    }

    private func outcomeText(_ round: OriginalsProvider.PastRound, language: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(round.outcome.utf8)) as? [String: Any] else { return "" }
        if let roll = object["roll"] as? Int {
            return String(format: "%02d.%02d", roll / 100, roll % 100)
        }
        if let reels = object["reels"] as? [[String]] {
            return reels.map { $0[1] }.joined(separator: " · ")
        }
        return ""
    }

    static func json(_ body: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Originals, set up once (after migrations) and shared by every request.
actor OriginalsHolder {
    private let make: @Sendable () async throws -> OriginalsProvider
    private var provider: OriginalsProvider?

    init(make: @escaping @Sendable () async throws -> OriginalsProvider) {
        self.make = make
    }

    func get() async throws -> OriginalsProvider {
        if let provider { return provider }
        let made = try await make()
        provider = made
        return made
    }
}

/// Sends again, every 30 seconds, the Originals wins the wallet did not answer. Runs under the
/// lease `leaseName` (`AdvisoryLease`), so one copy resends at a time: a win carries the same
/// transaction_uuid on every try and the wallet applies it once, but two copies would each send it.
struct OriginalsSettlement: Service {
    static let leaseName = "originals-settlement"

    let originals: OriginalsHolder
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(30)) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            do {
                let settled = try await originals.get().settlePending()
                if settled > 0 { logger.notice("settled Croupier Originals rounds", metadata: ["rounds": "\(settled)"]) }
            } catch {
                logger.warning("Croupier Originals settlement skipped a round", metadata: ["reason": "\(postgresReason(error))"])
            }
        }
    }
}
