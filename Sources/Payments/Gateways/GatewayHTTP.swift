import AsyncHTTPClient
import Foundation
import NIOCore

/// One call to a gateway's API, as every adapter makes it: a 15 s bound, a 1 MiB answer at most,
/// and anything but a 2xx answer turned into `GatewayUnavailable` naming the call (with the status,
/// when there was an answer).
struct GatewayHTTP: Sendable {
    let gateway: String
    let baseURL: String
    let client: HTTPClient

    static let responseLimit = 1 << 20

    /// `headers` are the adapter's own (authentication, idempotency); `body` is sent with
    /// `contentType`. Returns the answer's body.
    func send(
        _ method: String, _ path: String, headers: [(String, String)], body: (contentType: String, text: String)? = nil
    ) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .RAW(value: method)
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: body.contentType)
            request.body = .bytes(ByteBuffer(string: body.text))
        }
        let status: UInt
        let answer: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: .seconds(15))
            status = response.status.code
            answer = try await response.body.collect(upTo: Self.responseLimit)
        } catch {
            throw GatewayUnavailable(gateway: gateway, reason: "\(method) \(path) did not answer: \(error)")
        }
        guard (200..<300).contains(status) else {
            throw GatewayUnavailable(gateway: gateway, reason: "\(method) \(path) answered \(status)", status: status)
        }
        return answer
    }
}
