import Core
import Foundation

/// Hub88's operator wallet statuses (docs/providers/hub88.md maps each to its situation).
public enum Hub88Status: String, Sendable, Codable, CaseIterable {
    case ok = "RS_OK"
    case unknown = "RS_ERROR_UNKNOWN"
    case invalidPartner = "RS_ERROR_INVALID_PARTNER"
    case invalidToken = "RS_ERROR_INVALID_TOKEN"
    case invalidGame = "RS_ERROR_INVALID_GAME"
    case wrongCurrency = "RS_ERROR_WRONG_CURRENCY"
    case notEnoughMoney = "RS_ERROR_NOT_ENOUGH_MONEY"
    case userDisabled = "RS_ERROR_USER_DISABLED"
    case invalidSignature = "RS_ERROR_INVALID_SIGNATURE"
    case tokenExpired = "RS_ERROR_TOKEN_EXPIRED"
    case wrongSyntax = "RS_ERROR_WRONG_SYNTAX"
    case wrongTypes = "RS_ERROR_WRONG_TYPES"
    case duplicateTransaction = "RS_ERROR_DUPLICATE_TRANSACTION"
    case transactionDoesNotExist = "RS_ERROR_TRANSACTION_DOES_NOT_EXIST"
    case transactionRolledBack = "RS_ERROR_TRANSACTION_ROLLED_BACK"
    /// A bet over the player's own loss or wager limit; the provider does not roll it back.
    case limitReached = "RS_ERROR_LIMIT_REACHED"
}

/// The endpoints a Hub88 provider calls, under `/providers/<code>/`.
public enum Hub88Endpoint: String, Sendable, CaseIterable {
    case userInfo = "user/info"
    case userBalance = "user/balance"
    case bet = "transaction/bet"
    case win = "transaction/win"
    case rollback = "transaction/rollback"
}

/// Request bodies. Only what we use is decoded; unknown fields (`meta`, `is_billable`, …) are
/// tolerated. Optional here means optional in Hub88's API.
enum Hub88Request {
    struct Info: Decodable {
        let user: String
        let requestUUID: String
        enum CodingKeys: String, CodingKey {
            case user
            case requestUUID = "request_uuid"
        }
    }

    struct Balance: Decodable {
        let user: String
        let token: String
        let requestUUID: String
        let gameCode: String?
        enum CodingKeys: String, CodingKey {
            case user, token
            case requestUUID = "request_uuid"
            case gameCode = "game_code"
        }
    }

    /// Bets and wins: a win names the bet it settles in `reference_transaction_uuid`.
    struct Transaction: Decodable {
        let user: String
        let transactionUUID: String
        let token: String?
        let round: String
        let roundClosed: Bool
        let requestUUID: String
        let gameCode: String
        let currency: String
        let amount: Int64
        let referenceTransactionUUID: String?
        let supplierTransactionID: String?
        let isFree: Bool?
        /// The reward a free bet is played from (the operator's, or the provider's own promotion).
        let rewardUUID: String?
        enum CodingKeys: String, CodingKey {
            case user, token, round, currency, amount
            case transactionUUID = "transaction_uuid"
            case roundClosed = "round_closed"
            case requestUUID = "request_uuid"
            case gameCode = "game_code"
            case referenceTransactionUUID = "reference_transaction_uuid"
            case supplierTransactionID = "supplier_transaction_id"
            case isFree = "is_free"
            case rewardUUID = "reward_uuid"
        }
    }

    struct Rollback: Decodable {
        let user: String
        let transactionUUID: String
        let referenceTransactionUUID: String
        let requestUUID: String
        let round: String?
        let roundClosed: Bool?
        let gameCode: String?
        let token: String?
        enum CodingKeys: String, CodingKey {
            case user, round, token
            case transactionUUID = "transaction_uuid"
            case referenceTransactionUUID = "reference_transaction_uuid"
            case requestUUID = "request_uuid"
            case roundClosed = "round_closed"
            case gameCode = "game_code"
        }
    }
}

/// Every answer: the status, the echoed request, and (when the caller is authentic and the user
/// known) the user's playable balance in Hub88 units.
struct Hub88Answer: Encodable, Equatable {
    var status: Hub88Status
    var requestUUID: String?
    var user: String?
    var currency: String?
    var balance: Int64?
    var country: String?
    var registrationDate: String?

    enum CodingKeys: String, CodingKey {
        case status, user, currency, balance, country
        case requestUUID = "request_uuid"
        case registrationDate = "registration_date"
    }

    init(_ status: Hub88Status, requestUUID: String? = nil, user: String? = nil, currency: String? = nil, balance: Int64? = nil) {
        self.status = status
        self.requestUUID = requestUUID
        self.user = user
        self.currency = currency
        self.balance = balance
    }

    /// The text `JSONEncoder` writes for this answer with `.sortedKeys` and
    /// `.withoutEscapingSlashes` (`Hub88AnswerEncodingTests` compares the two), written by hand:
    /// the encoder was 1.8 % of the server's CPU under the Hub88 benchmark (docs/benchmarks.md).
    /// Keys in byte order; an absent value is left out.
    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(192)
        out.append(UInt8(ascii: "{"))
        if let balance { Self.append(key: "balance", number: balance, to: &out) }
        if let country { Self.append(key: "country", string: country, to: &out) }
        if let currency { Self.append(key: "currency", string: currency, to: &out) }
        if let registrationDate { Self.append(key: "registration_date", string: registrationDate, to: &out) }
        if let requestUUID { Self.append(key: "request_uuid", string: requestUUID, to: &out) }
        Self.append(key: "status", string: status.rawValue, to: &out)
        if let user { Self.append(key: "user", string: user, to: &out) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func append(key: String, number: Int64, to out: inout [UInt8]) {
        append(key: key, to: &out)
        out += String(number).utf8
    }

    private static func append(key: String, string: String, to out: inout [UInt8]) {
        append(key: key, to: &out)
        CanonicalJSON.appendQuoted(string, to: &out, lettersForBackspaceAndFormFeed: true)
    }

    private static func append(key: String, to out: inout [UInt8]) {
        if out.count > 1 { out.append(UInt8(ascii: ",")) }
        CanonicalJSON.appendQuoted(key, to: &out)
        out.append(UInt8(ascii: ":"))
    }
}

/// Hub88 amounts are integers of 1/100000 of the currency unit. The ledger keeps each currency
/// at its own scale; conversion must be exact or the amount is refused.
public enum Hub88Amount {
    public static let scale = 5

    /// Ledger units for a wire amount; nil when it does not convert exactly or overflows.
    public static func ledgerUnits(wire: Int64, scale currencyScale: Int) -> Int64? {
        if currencyScale >= scale {
            let (value, overflow) = wire.multipliedReportingOverflow(by: power(currencyScale - scale))
            return overflow ? nil : value
        }
        let divisor = power(scale - currencyScale)
        return wire % divisor == 0 ? wire / divisor : nil
    }

    /// The wire amount for a balance; a balance finer than 1/100000 (crypto) is rounded down,
    /// so we never show a provider more money than the player has.
    public static func wire(units: Int64, scale currencyScale: Int) -> Int64 {
        if currencyScale >= scale { return units / power(currencyScale - scale) }
        let (value, overflow) = units.multipliedReportingOverflow(by: power(scale - currencyScale))
        return overflow ? .max : value
    }

    static func power(_ exponent: Int) -> Int64 {
        (0..<exponent).reduce(Int64(1)) { value, _ in value * 10 }
    }
}
