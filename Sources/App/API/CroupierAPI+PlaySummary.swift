import AppAPI
import Core
import Foundation
import Ledger

/// The reality check's figures (docs/player-protection.md "Reality checks"): what the player
/// staked and won since their play session started, per currency, as exact decimal strings.
extension CroupierAPI {
    /// How far back a play session may count: the figures answer "since you started playing",
    /// not a history query.
    static let longestPlaySession: TimeInterval = 24 * 3600

    func getPlaySummary(_ input: Operations.GetPlaySummary.Input) async throws -> Operations.GetPlaySummary.Output {
        let player = try APIRequestScope.required().signedInPlayer()
        let since = max(input.query.since, Date().addingTimeInterval(-Self.longestPlaySession))
        let catalog = try await currencies.all()
        let totals = try await ledger.playTotals(of: player, since: since).sorted { $0.key < $1.key }
        let results = totals.compactMap { code, totals -> Components.Schemas.PlayResult? in
            guard let scale = catalog[code]?.scale else { return nil }
            let (net, overflow) = totals.won.subtractingReportingOverflow(totals.staked)
            return Components.Schemas.PlayResult(
                currency: code, staked: Amount.decimal(units: totals.staked, scale: scale),
                won: Amount.decimal(units: totals.won, scale: scale), net: Amount.decimal(units: overflow ? .min : net, scale: scale))
        }
        return .ok(.init(body: .json(.init(since: since, results: results))))
    }
}
