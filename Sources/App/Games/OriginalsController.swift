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

    /// The seed panel's answer: the new pair, and the pair it replaced, revealed (`null` when
    /// there was none), so the player can check the rounds played with it.
    struct SeedAnswerJSON: Encodable {
        struct Revealed: Encodable {
            let serverSeed: String
            let serverSeedHash: String
            let clientSeed: String
            let lastNonce: Int64
        }
        let serverSeedHash: String
        let clientSeed: String
        let nonce: Int64
        let revealed: Revealed?

        init(_ answer: OriginalsProvider.SeedAnswer) {
            serverSeedHash = answer.serverSeedHash
            clientSeed = answer.clientSeed
            nonce = answer.nonce
            revealed = answer.revealed.map {
                Revealed(serverSeed: $0.serverSeed, serverSeedHash: $0.serverSeedHash, clientSeed: $0.clientSeed, lastNonce: $0.lastNonce)
            }
        }

        enum CodingKeys: CodingKey { case serverSeedHash, clientSeed, nonce, revealed }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(serverSeedHash, forKey: .serverSeedHash)
            try container.encode(clientSeed, forKey: .clientSeed)
            try container.encode(nonce, forKey: .nonce)
            // Spelled out so that no revealed pair is `null`, not a missing key.
            try container.encode(revealed, forKey: .revealed)
        }
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
                "originals_\(view.gameCode)", face: .player, title: "originals.\(view.gameCode).title", model: OriginalsGamePage(view),
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
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return Self.json(Array(try encoder.encode(SeedAnswerJSON(answer))))
        }
        router.get("/originals/fairness") { request, context -> Response in
            guard let session = request.uri.queryParameters["session"].map(String.init),
                let (rounds, current) = try await originals.get().history(session: session)
            else { throw AppError(.notFound, code: .sessionExpired) }
            let language = Localization.language(for: request)
            let page = FairnessPage(session: session, rounds: rounds, current: current) {
                pages.localization.string("originals.\($0).title", in: language)
            }
            var response = pages.render(
                "originals_fairness", face: .player, title: "originals.fairness.title", model: page, request: request, context: context)
            response.headers[.contentSecurityPolicy] = SecurityHeadersMiddleware<AppRequestContext>.contentSecurityPolicy(frameAncestors: [
                "'self'"
            ])
            return response
        }
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
                await JobBoard.process.finished("Originals settlement")
            } catch {
                let reason = postgresReason(error)
                logger.warning("Croupier Originals settlement skipped a round", metadata: ["reason": "\(reason)"])
                await JobBoard.process.finished("Originals settlement", error: reason)
            }
        }
    }
}
