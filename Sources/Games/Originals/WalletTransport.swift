import AsyncHTTPClient
import Foundation
import NIOCore

/// How Originals reaches the operator's wallet: signed JSON bodies to the wallet endpoints.
extension OriginalsProvider {
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
