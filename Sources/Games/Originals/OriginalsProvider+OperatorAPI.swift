import Foundation

/// The operator's calls to Originals (Hub88 Games API): a game URL and the game list, each
/// signed with the operator's key.
extension OriginalsProvider {
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
}
