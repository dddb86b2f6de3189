import Core
import Foundation
import Testing

@testable import Payments

/// NOWPayments' payout side without its API: the 2FA code against RFC 6238's published vectors,
/// the batch's exact amount, the address shapes, the status words and the payout IPN (signed by
/// Python's hmac, never by the code under test). The calls themselves run against the fake API
/// in e2e/test_nowpayments_payouts.py.
@Suite struct NOWPaymentsPayoutTests {
    static let login = NOWPaymentsPayoutSettings(email: "payouts@casino.test", password: "pw", twoFactorKey: Array("secret".utf8))

    static func gateway(payouts: NOWPaymentsPayoutSettings? = login) -> NOWPaymentsGateway {
        NOWPaymentsGateway(
            settings: .init(apiURL: "http://127.0.0.1:9", apiKey: "k", ipnSecret: SortedJSONTests.secret), payouts: payouts,
            callbackURL: "https://casino.test/webhooks/nowpayments")
    }

    /// RFC 6238, appendix B: the SHA-1 rows, secret "12345678901234567890", 8 digits.
    @Test(arguments: [
        (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ])
    func theTwoFactorCodeMatchesRFC6238(seconds: Int, expected: String) {
        let key = Array("12345678901234567890".utf8)
        let moment = Date(timeIntervalSince1970: TimeInterval(seconds))
        #expect(TOTPCode.code(key: key, at: moment, digits: 8) == expected)
        #expect(TOTPCode.code(key: key, at: moment) == String(expected.suffix(6)), "6 digits, as NOWPayments asks")
    }

    @Test func theBatchCarriesTheExactDecimalAmount() throws {
        let cases: [(String, Int, Int64, String)] = [
            ("USDT", 6, 48_000_001, "48.000001"), ("USDT", 6, 9_999_999_999_999, "9999999.999999"), ("BTC", 8, 12_345_679, "0.12345679"),
            ("BTC", 8, 7, "0.00000007"),
        ]
        for (code, exponent, units, amount) in cases {
            let currency = try #require(NOWPaymentsGateway.payoutCurrencies.first { $0.code == code && $0.exponent == exponent })
            let request = GatewayPayoutRequest(
                withdrawalID: "wdr_1", player: PlayerID(1), currency: currency, gatewayUnits: units, destination: "TXYZ")
            let coin = try #require(NOWPaymentsGateway.coins[code])
            let body = NOWPaymentsGateway.payoutBody(request, coin: coin, callbackURL: "https://casino.test/webhooks/nowpayments")
            #expect(
                body == #"{"ipn_callback_url":"https://casino.test/webhooks/nowpayments","withdrawals":[{"address":"TXYZ","amount":"#
                    + amount + #","currency":""# + coin
                    + #"","ipn_callback_url":"https://casino.test/webhooks/nowpayments","unique_external_id":"wdr_1"}]}"#)
            guard case .array(let withdrawals)? = try SortedJSON.parse(Array(body.utf8))["withdrawals"] else {
                Issue.record("no withdrawals in \(body)")
                continue
            }
            #expect(withdrawals.first?["amount"] == .number(amount), "a JSON number, not text")
        }
        #expect(NOWPaymentsGateway.coins == ["USDT": "usdttrc20", "BTC": "btc"])
    }

    @Test func addressesAreCheckedForTheirCoinsShape() {
        let gateway = Self.gateway()
        let good = [
            ("USDT", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"),
            ("BTC", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"), ("BTC", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
            ("BTC", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
        ]
        for (currency, address) in good { #expect(gateway.destinationProblem(address, currency: currency) == nil, "\(address)") }
        let bad = [
            ("USDT", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU"),  // 33 long
            ("USDT", "0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe"),  // an Ethereum address
            ("USDT", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU0"),  // 0 is not base58
            ("BTC", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"),  // upper case
            ("BTC", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdb"),  // b is not bech32
            ("BTC", "bc1qshort"), ("BTC", "2BoatSLRHtKNngkdXEeobR76b53LETtpyT"), ("BTC", "1Boat"),
            ("BTC", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"),
        ]
        for (currency, address) in bad {
            let problem = gateway.destinationProblem(address, currency: currency)
            #expect(problem?.contains(currency == "USDT" ? "TRC20" : "Bitcoin") == true, "\(address): \(problem ?? "accepted")")
        }
        #expect(gateway.destinationProblem("TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", currency: "EUR") != nil)
    }

    @Test func theBatchStatusDecides() throws {
        func status(_ withdrawal: String) throws -> PayoutStatus? {
            let batch = try SortedJSON.parse(Array(#"{"id":"5000000713","withdrawals":[\#(withdrawal)]}"#.utf8))
            return NOWPaymentsGateway.status(of: batch, withdrawalID: "wdr_1", batchID: "5000000713")
        }
        #expect(try status(#"{"status":"FINISHED","unique_external_id":"wdr_1"}"#) == .paid(reference: "5000000713"))
        #expect(
            try status(#"{"status":"failed","error":"Insufficient balance"}"#)
                == .failed(reason: "The payment method could not send it: Insufficient balance."))
        #expect(try status(#"{"status":"rejected","error":null}"#) == .failed(reason: "The payment method could not send it."))
        for word in ["creating", "WAITING", "processing", "sending", "a-new-word"] {
            #expect(try status(#"{"status":"\#(word)"}"#) == .processing(reference: "5000000713"))
        }
        #expect(try status(#"{"status":"finished","unique_external_id":"wdr_2"},{"status":"failed"}"#) == nil, "not this withdrawal's")
    }

    @Test func payoutsAreOfferedOnlyWithTheirLogin() {
        let without = Self.gateway(payouts: nil).capabilities
        #expect(!without.payouts && without.currencies.map(\.code) == ["EUR", "USD"])
        let with = Self.gateway().capabilities
        #expect(with.payouts && with.deposits)
        #expect(with.currencies.filter(\.deposits).map(\.code) == ["EUR", "USD"])
        #expect(with.currencies.filter(\.payouts).map(\.code) == ["USDT", "BTC"])
    }

    @Test func aPayoutNoticeVerifiesAndIsLeftToReconciliation() async throws {
        let body =
            #"{"id":"5003000001","batch_withdrawal_id":"5000000713","status":"FINISHED","amount":"48.000001","currency":"usdttrc20"}"#
        let signature = try SortedJSONTests.python(body).signature
        let gateway = Self.gateway()
        let webhook = try gateway.verifyWebhook(body: Array(body.utf8), headers: ["x-nowpayments-sig": signature], now: Date())
        #expect(webhook == VerifiedWebhook(eventID: "payout:5003000001:FINISHED", eventType: "payout:FINISHED"))
        #expect(
            try await gateway.depositUpdate(forWebhook: Array(body.utf8))
                == .ignored(reason: "a payout notice: reconciliation asks the payout's status"))
        let neither = #"{"id":"1","status":"finished"}"#
        #expect(throws: WebhookRefusal.malformedPayload("no payment_id and payment_status, nor batch_withdrawal_id and status")) {
            try gateway.verifyWebhook(
                body: Array(neither.utf8), headers: ["x-nowpayments-sig": try SortedJSONTests.python(neither).signature], now: Date())
        }
    }
}
