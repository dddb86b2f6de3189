import AppAPI
import Core
import Identity

/// The name of every refusal, from the contract's `ErrorCode` enum (Sources/AppAPI/openapi.yaml):
/// adding a code means adding it to the document first, and a call site cannot name one that
/// does not exist.
typealias ErrorCode = Components.Schemas.ErrorCode

/// The contexts name their refusals without knowing HTTP; these say which API code each is.
extension ErrorCode {
    init(_ error: SignInError) {
        self =
            switch error {
            case .replayed: .telegramReplayed
            case .challengeInvalid: .challengeInvalid
            case .emailInvalid: .emailInvalid
            case .mustBeAdult: .mustBeAdult
            case .mustAcceptTerms: .mustAcceptTerms
            case .emailTaken: .emailTaken
            case .codeInvalid: .codeInvalid
            case .codeLocked: .codeLocked
            case .resendTooSoon: .resendTooSoon
            case .playerBlocked: .playerBlocked
            }
    }

    init(_ error: TelegramAuthError) {
        self =
            switch error {
            case .missingField, .malformed: .telegramMalformed
            case .badHash, .badSignature: .telegramSignatureInvalid
            case .stale: .telegramAuthExpired
            case .notConfigured: .telegramNotConfigured
            }
    }

    init(_ error: AmountError) {
        self =
            switch error {
            case .malformed: .malformedAmount
            case .notRepresentable: .amountNotRepresentable
            case .overflow: .amountOverflow
            }
    }

    init(_ refusal: StaffAdjustment.Refusal) {
        self =
            switch refusal {
            case .invalidPlayer, .reasonMissing: .invalidRequest
            case .keyMissing: .idempotencyKeyRequired
            case .unknownCurrency: .unknownCurrency
            case .zeroAmount: .amountZero
            case .unknownPlayer: .playerNotFound
            case .amount(let error): ErrorCode(error)
            }
    }
}
