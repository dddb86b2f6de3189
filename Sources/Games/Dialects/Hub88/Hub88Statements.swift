import Ledger
import PostgresNIO

/// `games_bet` and `games_win` (migration 0007) as prepared statements: each Hub88 bet or win is
/// one round trip and one transaction, ledger and round together.
struct BetStatement: PostgresPreparedStatement {
    typealias Row = (String, Int64?, Int64?, Bool?)

    static let sql = """
        SELECT status, real_balance, bonus_balance, replayed
          FROM games_bet($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb)
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .bytea, .int8, .text, .bool, .text, .text, .bool, .text, .text, .bytea, .int8, .text, .text,
    ]

    let provider: String
    let tokenHash: ByteBuffer
    let game: String
    /// The game is enabled (checked after idempotency, so a retry of an applied bet still gets its answer).
    let playable: Bool
    let round: String
    let closed: Bool
    let ledger: Ledger.Arguments

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 14)
        bindings.append(provider)
        bindings.append(tokenHash)
        bindings.append(ledger.player)
        bindings.append(game)
        bindings.append(playable)
        bindings.append(ledger.currency)
        bindings.append(round)
        bindings.append(closed)
        bindings.appendLedger(ledger, withReference: false)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

struct WinStatement: PostgresPreparedStatement {
    typealias Row = (String, Int64?, Int64?, Bool?)

    static let sql = """
        SELECT status, real_balance, bonus_balance, replayed
          FROM games_win($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb)
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .int8, .text, .text, .text, .bool, .text, .text, .bytea, .int8, .text, .text, .text, .text,
    ]

    let provider: String
    let game: String
    let round: String
    let closed: Bool
    let ledger: Ledger.Arguments

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 14)
        bindings.append(provider)
        bindings.append(ledger.player)
        bindings.append(game)
        bindings.append(ledger.currency)
        bindings.append(round)
        bindings.append(closed)
        bindings.appendLedger(ledger, withReference: true)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

extension PostgresBindings {
    /// `ledger_apply`'s own arguments, in its order, as both functions pass them on.
    mutating func appendLedger(_ ledger: Ledger.Arguments, withReference: Bool) {
        append(ledger.scope)
        append(ledger.key)
        append(ByteBuffer(bytes: ledger.payloadHash))
        append(ledger.units ?? 0)
        append(ledger.house ?? "")
        if withReference {
            for text in [ledger.referenceScope, ledger.referenceKey] {
                if let text { append(text) } else { appendNull() }
            }
        }
        append(ledger.metadata)
    }
}
