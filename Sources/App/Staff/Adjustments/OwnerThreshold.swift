import Core

/// From which amount only an owner approves what a staff member asked to give a player: a manual
/// adjustment of real money, or a manual bonus grant (`CROUPIER_ADJUSTMENT_OWNER_FROM`).
struct OwnerThreshold: Sendable {
    /// Currency code → the decimal amount from which an owner must approve.
    let amounts: [String: String]

    /// At or above the currency's threshold (credit or debit alike), or in a currency without one:
    /// the safe side.
    func requiresOwner(units: Int64, currency: Currency) -> Bool {
        guard let text = amounts[currency.code], let threshold = try? Amount.units(fromDecimal: text, scale: currency.scale) else {
            return true
        }
        return units.magnitude >= threshold.magnitude
    }
}
