/// When withdrawals need people (docs/payments.md, "Withdrawals"): per currency, the largest
/// amount approved without staff, and the amount from which two different staff members must
/// approve. Amounts are decimal text in the currency (`EUR:100`); a currency not listed is never
/// approved automatically and always needs two approvers.
public struct WithdrawalSettings: Sendable, Equatable {
    public static let defaultAutoApprove = "EUR:100,USD:100,RUB:10000,USDT:100"
    /// EUR 2,000 is the EU AML directives' threshold for due diligence on gambling transactions.
    public static let defaultFourEyes = "EUR:2000,USD:2000,RUB:200000,USDT:2000"

    public var autoApproveUpTo: [String: String]
    public var fourEyesFrom: [String: String]
    /// How long after sending a payout reconciliation first asks the gateway about one whose
    /// outcome is not known; each later check waits twice as long, up to an hour.
    public var reconcileAfterSeconds: Int

    public init(
        autoApproveUpTo: [String: String] = Self.parse(Self.defaultAutoApprove) ?? [:],
        fourEyesFrom: [String: String] = Self.parse(Self.defaultFourEyes) ?? [:], reconcileAfterSeconds: Int = 300
    ) {
        self.autoApproveUpTo = autoApproveUpTo
        self.fourEyesFrom = fourEyesFrom
        self.reconcileAfterSeconds = reconcileAfterSeconds
    }

    /// `CODE:amount` pairs separated by commas; nil when malformed. An empty text lists nothing.
    public static func parse(_ text: String) -> [String: String]? {
        var amounts: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, (3...10).contains(parts[0].count), parts[0].allSatisfy({ $0.isASCII && $0.isUppercase }),
                (try? Amount.units(fromDecimal: parts[1], scale: 8)).map({ $0 >= 0 }) == true, amounts[parts[0]] == nil
            else { return nil }
            amounts[parts[0]] = parts[1]
        }
        return amounts
    }
}
