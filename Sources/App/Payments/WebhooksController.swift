import Foundation
import HTTPTypes
import Hummingbird
import Payments

/// `POST /webhooks/<gateway>`: a gateway's signed notifications (docs/payments.md, "Webhooks").
/// Hand-written, like the providers' wallet routes, because the body is the gateway's and its
/// signature covers the raw bytes. Verified and stored, then answered at once; the inbox's
/// background service does the rest. A refusal changes nothing and names why, so the gateway's
/// dashboard shows it.
struct WebhooksController {
    let inbox: WebhookInbox

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/webhooks/:gateway") { request, context -> Response in
            let gateway = try context.parameters.require("gateway")
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let receipt: WebhookInbox.Receipt
            do {
                receipt = try await inbox.receive(gateway: gateway, body: Array(buffer: body), headers: headers)
            } catch let refusal as WebhookRefusal {
                context.logger.notice("webhook refused", metadata: ["gateway": "\(gateway)", "code": "\(refusal.code)"])
                let code = ErrorCode(rawValue: refusal.code) ?? .badRequest
                throw AppError(refusal == .gatewayNotConfigured ? .notFound : .badRequest, code: code)
            }
            let answer = receipt == .stored ? #"{"received":true}"# : #"{"received":true,"duplicate":true}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
    }
}
