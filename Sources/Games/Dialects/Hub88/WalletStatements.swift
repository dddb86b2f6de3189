import Ledger
import PostgresNIO

/// The Hub88 wallet's own statements, of Games' SQL functions, as prepared statements: a free
/// call (a zero win, a free bet; Hub88Wallet+FreeCalls.swift) in one round trip, and what a
/// refusal may show. A fifth of Hub88's calls are zero wins, and planning each statement anew
/// took about as long as running it.
enum WalletStatements {
    /// The balances a function read, or nil when it read none (they may not be shown).
    static func balances(_ real: Int64?, _ bonus: Int64?, _ locked: Int64?) -> Balances? {
        real.map { Balances(real: $0, bonus: bonus ?? 0, locked: locked ?? 0) }
    }

    /// What storing a free call's answer found: whether this call stored it, and the answer
    /// stored for its uuid (this one, or the first), if any, with whether it was stored for the
    /// same call (the same payload hash).
    struct Record {
        var stored: Bool
        var firstStatus: String?
        var firstBalance: Int64?
        var sameCall: Bool?
    }

    /// A free bet judged, and its answer stored when `RS_OK`, in one call (games_free_bet,
    /// migration 0069): the first refusal of a bet's checks (none: RS_OK), whether the player has played
    /// with the provider, the balances when they have (nil otherwise), and what storing found.
    struct FreeBet: PostgresPreparedStatement {
        typealias Row = (refusal: String?, played: Bool, balances: Balances?, record: Record)

        static let sql = "SELECT * FROM games_free_bet($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::regproc[], $13)"
        static let bindingDataTypes: [PostgresDataType] = [
            .text, .text, .int8, .text, .int4, .bytea, .text, .text, .text, .bool, .text, .textArray, .text,
        ]

        let provider: String
        let transactionUUID: String
        let player: Int64
        let currency: String
        let scale: Int32
        let payloadHash: [UInt8]
        let reward: String?
        let round: String
        let game: String
        let roundClosed: Bool
        let hookArguments: String
        /// A bet's checks after the session's, in order (the function runs the session's itself).
        let checks: [String]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 13)
            bindings.append(provider)
            bindings.append(transactionUUID)
            bindings.append(player)
            bindings.append(currency)
            bindings.append(scale)
            bindings.append(ByteBuffer(bytes: payloadHash))
            bindings.append(reward)
            bindings.append(round)
            bindings.append(game)
            bindings.append(roundClosed)
            bindings.append(hookArguments)
            bindings.append(checks)
            // Ledger's reference view, by the name Ledger gives: it reads the balances.
            bindings.append(Ledger.referenceViewFunction)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (refusal, played, real, bonus, locked, stored, status, balance, same) = try row.decode(
                (String?, Bool, Int64?, Int64?, Int64?, Bool, String?, Int64?, Bool?).self)
            return (
                refusal, played, WalletStatements.balances(real, bonus, locked),
                Record(stored: stored, firstStatus: status, firstBalance: balance, sameCall: same)
            )
        }
    }

    /// Whether the player has played with the provider and, when they have, their balances
    /// (games_refusal_view, migration 0068): what a refusal that knew neither may show.
    struct RefusalView: PostgresPreparedStatement {
        typealias Row = (played: Bool, balances: Balances?)

        static let sql = "SELECT * FROM games_refusal_view($1, $2, $3, $4)"
        static let bindingDataTypes: [PostgresDataType] = [.int8, .text, .text, .text]

        let player: Int64
        let provider: String
        let currency: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 4)
            bindings.append(player)
            bindings.append(provider)
            bindings.append(currency)
            // Ledger's reference view, by the name Ledger gives: it reads the balances.
            bindings.append(Ledger.referenceViewFunction)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (played, real, bonus, locked) = try row.decode((Bool, Int64?, Int64?, Int64?).self)
            return (played, WalletStatements.balances(real, bonus, locked))
        }
    }

    /// A win of 0 judged, and its answer stored when `RS_OK`, in one call (games_zero_win,
    /// migration 0065): the verdict, whether it proved the player has played with the provider,
    /// the balances it read, and what storing found.
    struct ZeroWin: PostgresPreparedStatement {
        typealias Row = (verdict: String, played: Bool, balances: Balances, record: Record)

        static let sql = "SELECT * FROM games_zero_win($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        static let bindingDataTypes: [PostgresDataType] = [
            .text, .text, .int8, .text, .int4, .text, .text, .text, .bytea, .text, .text, .bool, .text,
        ]

        let provider: String
        let transactionUUID: String
        let player: Int64
        let currency: String
        let scale: Int32
        let betScope: String
        let betKey: String
        let betUUID: String
        let payloadHash: [UInt8]
        let round: String
        let game: String
        let roundClosed: Bool

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 13)
            bindings.append(provider)
            bindings.append(transactionUUID)
            bindings.append(player)
            bindings.append(currency)
            bindings.append(scale)
            bindings.append(betScope)
            bindings.append(betKey)
            bindings.append(betUUID)
            bindings.append(ByteBuffer(bytes: payloadHash))
            bindings.append(round)
            bindings.append(game)
            bindings.append(roundClosed)
            // Ledger's reference view, by the name Ledger gives.
            bindings.append(Ledger.referenceViewFunction)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (verdict, played, real, bonus, locked, stored, status, balance, same) = try row.decode(
                (String, Bool, Int64, Int64, Int64, Bool, String?, Int64?, Bool?).self)
            return (
                verdict, played, Balances(real: real, bonus: bonus, locked: locked),
                Record(stored: stored, firstStatus: status, firstBalance: balance, sameCall: same)
            )
        }
    }
}
