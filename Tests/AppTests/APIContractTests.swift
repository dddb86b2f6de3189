import AppAPI
import Compliance
import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Ledger
import OpenAPIRuntime
import Payments
import Reporting
import TestSupport
import Testing

@testable import App

/// The generated layer and the one error shape: refusals keep their names when they cross it,
/// every documented operation has an access rule, and answers decode as the document says.
@Suite struct APIContractTests {
    static func errorCode(_ response: TestResponse) throws -> ErrorCode {
        try JSONDecoder().decode(Components.Schemas.ErrorResponse.self, from: Data(buffer: response.body)).error.code
    }

    static let limitRefusal = LimitRefusal(
        direction: .withdrawal, window: .day, pivot: "EUR", limit: "50.00000", left: "10.00000", level: 0, nextLevel: 1,
        nextRequirements: [])

    @Test func eachContextRefusalKeepsTheNameItsContextGivesIt() {
        let signIn: [SignInError] = [
            .replayed, .challengeInvalid, .emailInvalid, .mustBeAdult, .mustAcceptTerms, .emailTaken, .codeInvalid, .codeLocked,
            .resendTooSoon,
        ]
        for error in signIn { #expect(ErrorCode(error).rawValue == error.code, "\(error)") }
        let telegram: [TelegramAuthError] = [.missingField("hash"), .malformed("x"), .badHash, .badSignature, .stale, .notConfigured]
        for error in telegram { #expect(ErrorCode(error).rawValue == error.code, "\(error)") }
        let refusals: [StaffAdjustment.Refusal] = [
            .invalidPlayer, .reasonMissing, .keyMissing, .unknownCurrency, .zeroAmount, .amount(.malformed("x")),
            .amount(.notRepresentable("x", scale: 5)),
            .amount(.overflow("x")),
        ]
        for refusal in refusals { #expect(ErrorCode(refusal).rawValue == refusal.code, "\(refusal)") }
        let reports: [ReportRefusal] = [
            .noMeasures, .unknownMeasure("x"), .unknownDimension("x"), .unknownGrain("x"), .unknownTimeZone("x"),
            .invalidRange, .rangeTooLarge, .limitOutOfRange, .tooManyFilterValues, .invalidFilterValue, .invalidOrder("x"),
            .currencyRequired, .dimensionNotApplicable("x"),
        ]
        for refusal in reports { #expect(ErrorCode(refusal).rawValue == refusal.code, "\(refusal)") }
        let deposits: [DepositRefusal] = [
            .unknownGateway("x"), .gatewayTakesNoDeposits("x"), .unsupportedCurrency("x"), .amount(.malformed("x")),
            .amount(.tooManyDecimals("x", exponent: 2)), .amount(.notPositive), .amount(.belowMinimum("1")), .amount(.aboveMaximum("1")),
            .gatewayUnavailable("x"), .limitReached(Self.limitRefusal), .rateMissing("USD"), .playerDisabled,
            .protection(.limitReached(period: .day, currency: "EUR", limit: "1", left: "0", resetsAt: Date())),
            .protection(.excluded(.timeOut, until: Date())), .protection(.excluded(.selfExclusion, until: nil)),
        ]
        for refusal in deposits { #expect(AppError(refusal).code.rawValue == refusal.code, "\(refusal)") }
        let withdrawals: [WithdrawalRefusal] = [
            .unknownGateway("x"), .gatewayTakesNoPayouts("x"), .unsupportedCurrency("x"), .amount(.notPositive), .destinationInvalid("x"),
            .aboveWithdrawable(available: "1"), .notFound, .notCancellable, .codeInvalid, .codeLocked, .codeSendTooSoon,
            .limitReached(Self.limitRefusal), .rateMissing("USD"),
        ]
        for refusal in withdrawals { #expect(AppError(refusal).code.rawValue == refusal.code, "\(refusal)") }
        let webhooks: [WebhookRefusal] = [
            .missingSignature, .badSignature, .outsideTolerance, .malformedPayload("x"), .gatewayNotConfigured,
        ]
        for refusal in webhooks { #expect(ErrorCode(rawValue: refusal.code) != nil, "\(refusal)") }
    }

    @Test func refusalsThrownBehindTheGeneratedLayerKeepTheirStatusAndCode() {
        func wrapped(_ error: any Error, status: HTTPResponse.Status = .internalServerError) -> ServerError {
            ServerError(
                operationID: Operations.GetWallet.id, request: HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/"),
                requestBody: nil, requestMetadata: .init(), causeDescription: "test", underlyingError: error, httpStatus: status,
                httpHeaderFields: [:], httpBody: nil)
        }
        #expect(ErrorPageMiddleware.classify(wrapped(AppError(.unauthorized, code: .notSignedIn))) == (.unauthorized, .notSignedIn))
        let limited = RetryLater(code: .rateLimited, until: Date().addingTimeInterval(30))
        #expect(ErrorPageMiddleware.classify(wrapped(limited)) == (.tooManyRequests, .rateLimited))
        #expect(ErrorPageMiddleware.unwrapped(wrapped(limited)) is RetryLater, "so the answer gets its Retry-After")
        let decoding = DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not JSON"))
        #expect(ErrorPageMiddleware.classify(wrapped(decoding)) == (.badRequest, .malformedBody))
        struct RuntimeRefusal: Error {}
        #expect(
            ErrorPageMiddleware.classify(wrapped(RuntimeRefusal(), status: .unsupportedMediaType)) == (.unsupportedMediaType, .jsonRequired)
        )
        #expect(ErrorPageMiddleware.classify(wrapped(RuntimeRefusal())) == (.internalServerError, .internalError))
    }

    @Test func everyDocumentedOperationHasAnAccessPolicyAndNothingElseDoes() throws {
        let document = try APIDocument.yaml()
        let operations = document.matches(of: /operationId: (\w+)/).map { String($0.1) }
        #expect(operations.count == 31)
        for operation in operations { #expect(APIOperationPolicy.of(operation) != nil, "\(operation)") }
        #expect(APIOperationPolicy.of("deleteEverything") == nil)
        #expect(APIOperationPolicy.of(Operations.RequestAdjustment.id)?.caller == .staff(.moneyAdjust))
        #expect(APIOperationPolicy.of(Operations.ApproveAdjustment.id) == APIOperationPolicy(caller: .staff(.moneyAdjust), csrf: true))
        #expect(APIOperationPolicy.of(Operations.LaunchGame.id)?.csrf == true)
        #expect(APIOperationPolicy.of(Operations.ExportSavedReport.id) == APIOperationPolicy(caller: .staff(.reportsView)))
        #expect(APIOperationPolicy.of(Operations.DeleteSavedReport.id) == APIOperationPolicy(caller: .staff(.reportsManage), csrf: true))
        #expect(APIOperationPolicy.of(Operations.CreateDeposit.id) == APIOperationPolicy(caller: .player, csrf: true, body: .json))
    }

    @Test func theContractListsEveryKindTheLedgerRecords() {
        let listed = Set(Components.Schemas.Transaction.KindPayload.allCases.map(\.rawValue))
        #expect(listed == Set(Movement.kinds))
    }

    @Test func aNULInsideAJSONStringIsFoundAndAnEscapedBackslashIsNot() {
        #expect(APIAccessMiddleware.containsEscapedNUL(Array(#"{"reason":"a\u0000b"}"#.utf8)))
        #expect(!APIAccessMiddleware.containsEscapedNUL(Array(#"{"reason":"a\\u0000b"}"#.utf8)), "a backslash, then text")
        #expect(APIAccessMiddleware.containsEscapedNUL(Array(#"{"reason":"\\\u0000"}"#.utf8)))
        #expect(!APIAccessMiddleware.containsEscapedNUL(Array(#"{"reason":"\u00e9"}"#.utf8)))
    }

    @Test func refusalsThroughTheGeneratedLayerHaveTheDocumentedShape() async throws {
        try await withLiveApp { client in
            let anonymous = try await client.execute(uri: "/api/v1/me", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(try Self.errorCode(anonymous) == .notSignedIn)
            #expect(anonymous.headers[.cacheControl] == "no-store")

            let json: HTTPFields = [.contentType: "application/json"]
            let empty = try await client.execute(uri: "/api/v1/auth/code", method: .post, headers: json)
            #expect(empty.status == .badRequest)
            #expect(try Self.errorCode(empty) == .malformedBody)
            let wrongType = try await client.execute(
                uri: "/api/v1/auth/code", method: .post, headers: json, body: ByteBuffer(string: #"{"challenge":1,"code":"000000"}"#))
            #expect(try Self.errorCode(wrongType) == .malformedBody)
            let nul = try await client.execute(
                uri: "/api/v1/auth/code", method: .post, headers: json, body: ByteBuffer(string: #"{"challenge":"a\u0000","code":"0"}"#))
            #expect(nul.status == .badRequest, "PostgreSQL cannot store U+0000, so it never reaches a query")
            #expect(try Self.errorCode(nul) == .malformedBody)
        }
    }

    @Test func theWalletAnswersThroughTheGeneratedTypes() async throws {
        try await withLiveApp { client, ledger in
            let funded = try await ledger.apply(
                LedgerOperation(
                    key: .init(scope: "test", key: "contract-1"), player: PlayerID(11), currency: "EUR",
                    movement: .adjustment(units: 250_000)))
            #expect(funded.code == .ok)
            let response = try await client.execute(
                uri: "/api/v1/wallet/transactions?limit=1", method: .get, headers: try await playerSession(11, ledger.database))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let page = try JSONDecoder.iso8601.decode(Components.Schemas.TransactionPage.self, from: Data(buffer: response.body))
            #expect(page.transactions.map(\.kind) == [.adjustment])
            #expect(page.transactions.first?.amounts.real == "2.50000")
        }
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
