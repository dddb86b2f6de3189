import Core
import Foundation

/// What a gateway offers in one currency: its amount exponent (Stripe's minor units, a coin's
/// decimals), the smallest and largest deposit or withdrawal, and the fee it charges a payout,
/// all in those units, and which way money moves in it.
public struct GatewayCurrency: Sendable, Hashable {
    public let code: String
    public let exponent: Int
    public let minimumUnits: Int64
    public let maximumUnits: Int64
    /// Taken from each withdrawal: the destination receives the amount less this, and the fee
    /// books to the house's `fees` account.
    public let payoutFeeUnits: Int64
    /// Whether deposits and withdrawals take this currency: NOWPayments prices deposits in EUR
    /// and USD but pays out in coins.
    public let deposits: Bool
    public let payouts: Bool

    public init(
        code: String, exponent: Int, minimumUnits: Int64, maximumUnits: Int64, payoutFeeUnits: Int64 = 0, deposits: Bool = true,
        payouts: Bool = true
    ) {
        self.code = code
        self.exponent = exponent
        self.minimumUnits = minimumUnits
        self.maximumUnits = maximumUnits
        self.payoutFeeUnits = payoutFeeUnits
        self.deposits = deposits
        self.payouts = payouts
    }
}

public struct GatewayCapabilities: Sendable, Hashable {
    public let deposits: Bool
    public let payouts: Bool
    public let currencies: [GatewayCurrency]

    public func currency(_ code: String) -> GatewayCurrency? { currencies.first { $0.code == code } }
}

/// What a gateway needs to take a deposit: who pays how much, and where to send the player back.
public struct GatewayDepositRequest: Sendable {
    public let depositID: String
    public let player: PlayerID
    public let currency: GatewayCurrency
    public let gatewayUnits: Int64
    /// Where the gateway's page sends the player when they finished, or gave up.
    public let returnURL: String
}

/// The gateway's answer to a new deposit: its own id for the payment, and the page the player
/// pays on.
public struct GatewayDeposit: Sendable, Equatable {
    public let reference: String
    public let redirectURL: String
}

/// What a gateway needs to pay a player out. `withdrawalID` is the gateway's idempotency key, so
/// a payout sent twice (a retry after a lost answer) is paid once.
public struct GatewayPayoutRequest: Sendable {
    public let withdrawalID: String
    public let player: PlayerID
    public let currency: GatewayCurrency
    /// What the destination receives: the withdrawal less the gateway's fee.
    public let gatewayUnits: Int64
    public let destination: String
}

/// Where a payout stands at the gateway.
public enum PayoutStatus: Sendable, Equatable {
    case paid(reference: String)
    case failed(reason: String)
    /// Accepted, not settled yet.
    case processing(reference: String)
    /// The gateway has no payout for this withdrawal.
    case notFound
}

/// A webhook whose signature verified: its id (the inbox's key) and type. The body itself is
/// kept as it arrived.
public struct VerifiedWebhook: Sendable, Equatable {
    public let eventID: String
    public let eventType: String
}

/// What a webhook means for a deposit, decided from the gateway's own current view of the
/// payment (re-fetched, never taken from the event alone).
public enum DepositUpdate: Sendable, Equatable {
    /// The money arrived: this many gateway units of this currency.
    case paid(reference: String, currency: String, gatewayUnits: Int64)
    case failed(reference: String, reason: String)
    case expired(reference: String)
    /// Nothing to do yet (an asynchronous payment still on its way).
    case unchanged(reference: String, reason: String)
    /// Not about a deposit this gateway handles, or a kind of event not handled here.
    case ignored(reason: String)
    /// Something no retry can settle (a partial payment, say): the deposit stays as it is and
    /// the event waits in the inbox, failed with the reason, for staff.
    case needsStaff(reference: String, reason: String)
    /// Money of a paid deposit taken back: `gatewayUnits` is the gateway's running total for this
    /// kind (all refunds so far, or the disputed amount), never this event's share of it.
    case reversed(reference: String, kind: DepositReversal, gatewayUnits: Int64)
}

/// Why a gateway took a deposit's money back.
public enum DepositReversal: String, Sendable, Equatable {
    case refund, dispute
}

/// Why a webhook was refused before anything was stored. The route answers 400 with the code.
public enum WebhookRefusal: Error, Sendable, Equatable {
    case missingSignature
    case badSignature
    /// Signed too long ago (or in the future): a replay of an old delivery.
    case outsideTolerance
    case malformedPayload(String)
    case gatewayNotConfigured

    public var code: String {
        switch self {
        case .missingSignature: "webhookSignatureMissing"
        case .badSignature: "webhookSignatureInvalid"
        case .outsideTolerance: "webhookTimestampOutsideTolerance"
        case .malformedPayload: "webhookMalformed"
        case .gatewayNotConfigured: "gatewayNotConfigured"
        }
    }
}

/// The gateway could not be reached or refused the request; nothing about the payment is known.
public struct GatewayUnavailable: Error, Sendable, CustomStringConvertible {
    public let gateway: String
    public let reason: String
    /// The HTTP status the gateway answered, nil when it did not answer at all.
    public var status: UInt? = nil
    /// The gateway's id of what it created before the answer was lost (NOWPayments' batch,
    /// made before its verification step), so reconciliation can ask about it.
    public var reference: String? = nil

    public var description: String { "\(gateway): \(reason)" }
}

/// One payment gateway behind the Cashier (DESIGN §6). Outgoing API base URLs are configuration,
/// so the tests drive every adapter against a local fake.
public protocol PaymentGateway: Sendable {
    /// The code players and staff use, and the house account `payments:<code>`.
    var code: String { get }
    var capabilities: GatewayCapabilities { get }

    func createDeposit(_ request: GatewayDepositRequest) async throws -> GatewayDeposit

    /// Verifies a webhook over its raw bytes and names it; throws `WebhookRefusal`.
    func verifyWebhook(body: [UInt8], headers: [String: String], now: Date) throws -> VerifiedWebhook

    /// What a stored webhook means for a deposit, after asking the gateway for the payment's
    /// current state.
    func depositUpdate(forWebhook body: [UInt8]) async throws -> DepositUpdate

    /// Sends a payout. Throws when the answer is unknown (a timeout, a 5xx): the payout may or
    /// may not have gone, and only `payoutStatus` can tell.
    func createPayout(_ request: GatewayPayoutRequest) async throws -> PayoutStatus

    /// The payout's state at the gateway (reconciliation), by the withdrawal's id and the
    /// gateway's reference stored when it accepted the payout (nil when its answer was lost).
    func payoutStatus(withdrawalID: String, reference: String?) async throws -> PayoutStatus

    /// Why `destination` cannot receive a payout in `currency` (words for the player), or nil.
    func destinationProblem(_ destination: String, currency: String) -> String?
}

/// A gateway that declares no payouts (`capabilities.payouts == false`) is never asked for one.
extension PaymentGateway {
    public func createPayout(_ request: GatewayPayoutRequest) async throws -> PayoutStatus {
        throw GatewayUnavailable(gateway: code, reason: "takes no payouts")
    }

    public func payoutStatus(withdrawalID: String, reference: String?) async throws -> PayoutStatus {
        throw GatewayUnavailable(gateway: code, reason: "takes no payouts")
    }

    public func destinationProblem(_ destination: String, currency: String) -> String? {
        "This payment method does not pay out."
    }
}
