import Bonuses
import Core
import Foundation
import Hummingbird
import Identity

/// The cashier's bonus forms (docs/bonuses.md): forfeiting a running bonus, confirmed by a
/// checkbox the form requires (no script). The bonus code is a field of the deposit form.
extension CashierController {
    struct ForfeitForm: Decodable {
        let currency: String?
        let confirm: String?
    }

    func addBonusRoutes(to cashier: RouterGroup<AppRequestContext>) {
        cashier.post("bonus/forfeit") { request, context -> Response in
            let player = try context.signedInPlayer()
            let form = try await URLEncodedFormDecoder().decode(
                ForfeitForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard form.confirm == "yes", let currency = form.currency,
                try await bonuses.grants.active(of: player).contains(where: { $0.currency == currency })
            else {
                var response = try await page(
                    player: player,
                    error: pages.localization.string("bonuses.errors.forfeitUnconfirmed", in: Localization.language(for: request)),
                    request: request, context: context)
                response.status = .badRequest
                return response
            }
            try await bonuses.grants.settle(player: player, currency: currency, .forfeit("player"))
            return Response.redirect(to: "\(SiteRoute.cashier.rawValue)?bonus=forfeited#bonuses", type: .normal)
        }
    }

    /// Keeps the code typed into the deposit form for the deposit about to be made in `currency`;
    /// the refusal's words in the player's language when no enabled campaign there has it.
    func enterBonusCode(_ code: String, player: PlayerID, currency: String, request: Request) async throws -> String? {
        guard !code.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        do {
            let segments = try await bonuses.segments.segments(of: player).map(\.rawValue)
            try await bonuses.deposits.enterCode(code, player: player, currency: currency, segments: segments)
            return nil
        } catch let refusal as BonusCodeRefusal {
            return pages.localization.string("bonuses.errors.\(refusal.rawValue)", in: Localization.language(for: request))
        }
    }
}

/// What the player's pages use of Bonuses.
struct PlayerBonuses: Sendable {
    let grants: Grants
    let deposits: DepositBonuses
    /// A code of a campaign for one segment is only its members'.
    let segments: PlayerSegments
}
