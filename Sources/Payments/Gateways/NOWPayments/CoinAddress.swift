/// Whether a destination has the shape of an address in the coin NOWPayments pays out in, so a
/// mistyped one is refused by name before anything is held. Only the shape: NOWPayments checks
/// the address itself and refuses the payout (which voids the hold) when it is wrong.
enum CoinAddress {
    static let base58 = Set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
    static let bech32 = Set("qpzry9x8gf2tvdw0s3jn54khce6mua7l")

    /// What is wrong with `address` for `currency`, in words the player can act on; nil: nothing.
    static func problem(_ address: String, currency: String) -> String? {
        switch currency {
        case "USDT":
            // TRC20: a Tron address, T and 33 base58 characters.
            return address.count == 34 && address.first == "T" && address.allSatisfy(base58.contains)
                ? nil : "Write the USDT address on the Tron network (TRC20): T followed by 33 letters and digits, as your wallet shows it."
        case "BTC":
            let bech32Shape =
                address.hasPrefix("bc1") && (14...74).contains(address.count) && address.dropFirst(3).allSatisfy(bech32.contains)
            let legacyShape =
                (address.first == "1" || address.first == "3") && (26...35).contains(address.count) && address.allSatisfy(base58.contains)
            return bech32Shape || legacyShape
                ? nil : "Write the Bitcoin address as your wallet shows it: bc1… in lower case, or one starting with 1 or 3."
        default:
            return "This payment method pays out only in USDT and BTC."
        }
    }
}
