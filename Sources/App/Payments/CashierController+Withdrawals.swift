import Core
import Foundation
import Hummingbird
import Payments

/// The cashier's withdrawal forms (docs/payments.md, "Withdrawals"): ask, confirm with the
/// mailed code, ask for a new code, cancel. Each answers with a redirect back to the cashier
/// (`?withdrawal=<id>` shows that withdrawal's step), or the page again with the refusal.
extension CashierController {
    struct WithdrawalForm: Decodable {
        let method: String?
        let amount: String?
        let destination: String?
    }

    struct CodeForm: Decodable {
        let code: String?
    }

    func addWithdrawalRoutes(to cashier: RouterGroup<AppRequestContext>) {
        cashier.post("withdraw") { request, context -> Response in
            let player = try context.signedInPlayer()
            let form = try await URLEncodedFormDecoder().decode(
                WithdrawalForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let method = form.method ?? ""
            let parts = method.split(separator: ":", maxSplits: 1).map(String.init)
            let typed = CashierPage.Typed(chosen: method, amount: form.amount ?? "", destination: form.destination ?? "")
            do {
                guard parts.count == 2 else { throw WithdrawalRefusal.unknownGateway(method) }
                let withdrawal = try await withdrawals.request(
                    player: player, gateway: parts[0], amount: typed.amount, currency: parts[1], destination: typed.destination)
                try await access.recordRequested(withdrawal, request, context)
                return Response.redirect(to: "\(SiteRoute.cashier.rawValue)?withdrawal=\(withdrawal.id)#withdraw", type: .normal)
            } catch let refusal as WithdrawalRefusal {
                return try await refused(refusal, player: player, typed: typed, request: request, context: context)
            }
        }
        cashier.post("withdrawals/:id/confirm") { request, context -> Response in
            let player = try context.signedInPlayer()
            let id = try context.parameters.require("id")
            let form = try await URLEncodedFormDecoder().decode(
                CodeForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            do {
                let (withdrawal, changed) = try await withdrawals.confirm(id, of: player, code: form.code ?? "")
                if changed { try await access.recordConfirmed(withdrawal, request, context) }
                return Response.redirect(to: "\(SiteRoute.cashier.rawValue)?withdrawal=\(id)#withdraw", type: .normal)
            } catch let refusal as WithdrawalRefusal {
                return try await refused(refusal, player: player, focus: id, request: request, context: context)
            }
        }
        cashier.post("withdrawals/:id/code") { request, context -> Response in
            let player = try context.signedInPlayer()
            let id = try context.parameters.require("id")
            do {
                try await withdrawals.resendCode(id, of: player)
                return Response.redirect(to: "\(SiteRoute.cashier.rawValue)?withdrawal=\(id)&sent=1#withdraw", type: .normal)
            } catch let refusal as WithdrawalRefusal {
                return try await refused(refusal, player: player, focus: id, request: request, context: context)
            }
        }
        cashier.post("withdrawals/:id/cancel") { request, context -> Response in
            let player = try context.signedInPlayer()
            let id = try context.parameters.require("id")
            do {
                let (withdrawal, changed) = try await withdrawals.cancel(id, of: player)
                if changed { try await access.recordCancelled(withdrawal, request, context) }
                return Response.redirect(to: "\(SiteRoute.cashier.rawValue)?withdrawal=\(id)#withdraw", type: .normal)
            } catch let refusal as WithdrawalRefusal {
                return try await refused(refusal, player: player, focus: id, request: request, context: context)
            }
        }
    }

    private func refused(
        _ refusal: WithdrawalRefusal, player: PlayerID, typed: CashierPage.Typed = .init(), focus: String? = nil, request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let language = Localization.language(for: request)
        var withdrawal: Withdrawal?
        if let focus { withdrawal = try await withdrawals.withdrawal(focus, of: player) }
        let wording = try await kycWording(language)
        let message: String =
            switch refusal {
            case .limitReached(let limit): wording.refusal(limit)
            case .rateMissing(let currency): wording.rateMissing(currency)
            default: Self.message(refusal, method: typed.chosen, text: { pages.localization.string($0, in: language) })
            }
        var response = try await page(
            player: player, withdrawal: withdrawal, withdrawalTyped: typed, withdrawalError: message, request: request, context: context)
        response.status = AppError(refusal).status
        return response
    }

    /// The refusal in the player's language, with the figure it names (the most they can
    /// withdraw, the method's limit); a destination refused by a method that pays to addresses
    /// of its own shape (`method` is `<gateway>:<currency>`) says what that shape is.
    static func message(_ refusal: WithdrawalRefusal, method: String = "", text: (String) -> String) -> String {
        let message = text("cashier.withdrawals.errors.\(refusal.code)")
        switch refusal {
        case .aboveWithdrawable(let figure): return message.replacingOccurrences(of: "{amount}", with: figure)
        case .amount(let problem): return problem.figure.map { message.replacingOccurrences(of: "{amount}", with: $0) } ?? message
        case .destinationInvalid:
            let key = "cashier.withdrawals.destinations.\(method.replacingOccurrences(of: ":", with: "."))"
            let shaped = text(key)
            return method.contains(":") && shaped != key ? shaped : message
        default: return message
        }
    }
}
