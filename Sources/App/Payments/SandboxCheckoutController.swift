import Foundation
import Hummingbird
import Payments

/// The sandbox gateway's hosted checkout page (`/sandbox/checkout/<reference>`), standing where a
/// real gateway's page would: the tester pays, pays with the webhooks repeated and out of order,
/// goes through a 3-D-Secure-style approval first, or declines. The sandbox then delivers its
/// signed webhooks to the inbox, as a gateway would, and sends the player back to the cashier.
/// Registered only when the sandbox is configured (never in production).
struct SandboxCheckoutController {
    let pages: PageRenderer
    let sandbox: SandboxGateway
    let inbox: WebhookInbox

    struct View: PageModel {
        let reference: String
        let depositId: String
        let amount: String
        let currency: String
        let open: Bool
        let status: String
        let statusLabel: String
        let returnUrl: String
        /// The 3-D-Secure-style step: approve or reject, before anything is paid.
        let secureStep: Bool
    }

    /// `forms` checks the CSRF token of every form posted to it.
    func addRoutes(to forms: RouterGroup<AppRequestContext>) {
        let checkout = forms.group(RouterPath(SandboxGateway.checkoutPath))
        checkout.get(":reference") { request, context -> Response in
            try await page(try context.parameters.require("reference"), secureStep: false, request: request, context: context)
        }
        checkout.get(":reference/secure") { request, context -> Response in
            try await page(try context.parameters.require("reference"), secureStep: true, request: request, context: context)
        }
        checkout.post(":reference/:outcome") { request, context -> Response in
            let reference = try context.parameters.require("reference")
            guard let outcome = SandboxGateway.Outcome(rawValue: try context.parameters.require("outcome")),
                let payment = try await sandbox.payment(reference)
            else { throw AppError(.notFound, code: .notFound) }
            for delivery in try await sandbox.settle(reference, as: outcome) ?? [] {
                _ = try await inbox.receive(gateway: sandbox.code, body: delivery.body, headers: delivery.headers)
            }
            return Response.redirect(to: payment.returnURL, type: .normal)
        }
    }

    private func page(_ reference: String, secureStep: Bool, request: Request, context: AppRequestContext) async throws -> Response {
        guard let payment = try await sandbox.payment(reference) else { throw AppError(.notFound, code: .notFound) }
        let language = Localization.language(for: request)
        let view = View(
            reference: payment.reference, depositId: payment.depositID, amount: payment.amount, currency: payment.currency,
            open: payment.status == .open, status: payment.status.rawValue,
            statusLabel: pages.localization.string("sandbox.status.\(payment.status.rawValue)", in: language), returnUrl: payment.returnURL,
            secureStep: secureStep)
        return pages.render("sandbox_checkout", face: .player, title: "sandbox.title", model: view, request: request, context: context)
    }
}
