import PostgresNIO

/// The statements of a free call (a zero win, a free bet; Hub88Wallet+FreeCalls.swift) as
/// prepared statements: a fifth of Hub88's calls are zero wins, and planning each statement anew
/// took about as long as running it.
enum FreeCallStatements {
    /// The call's stored answer, if its uuid was answered before.
    struct Stored: PostgresPreparedStatement {
        typealias Row = (ByteBuffer, String, Int64?)

        static let sql = "SELECT payload_hash, status, balance FROM games_free_transactions WHERE provider = $1 AND transaction_uuid = $2"
        static let bindingDataTypes: [PostgresDataType] = [.text, .text]

        let provider: String
        let transactionUUID: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(provider)
            bindings.append(transactionUUID)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Stores the answer and counts the call in its round, in one statement and so one commit:
    /// the round counts the call only when this call stored it, and a twin racing it (which
    /// stores nothing) does not count it again.
    struct Store: PostgresPreparedStatement {
        /// One row when this call stored its answer, none when an answer was stored already.
        typealias Row = Void

        static let sql = """
            WITH stored AS (
                INSERT INTO games_free_transactions (provider, transaction_uuid, kind, payload_hash, status, player_id, currency,
                                                     balance, reward_uuid)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT games_round_add($1, $10, $6, $11, $7, 0, 0, $12) FROM stored
            """
        static let bindingDataTypes: [PostgresDataType] = [
            .text, .text, .text, .bytea, .text, .int8, .text, .int8, .text, .text, .text, .bool,
        ]

        let provider: String
        let transactionUUID: String
        let kind: String
        let payloadHash: [UInt8]
        let status: String
        let player: Int64
        let currency: String
        let balance: Int64?
        let reward: String?
        let round: String
        let game: String
        let roundClosed: Bool

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 12)
            bindings.append(provider)
            bindings.append(transactionUUID)
            bindings.append(kind)
            bindings.append(ByteBuffer(bytes: payloadHash))
            bindings.append(status)
            bindings.append(player)
            bindings.append(currency)
            bindings.append(balance)
            bindings.append(reward)
            bindings.append(round)
            bindings.append(game)
            bindings.append(roundClosed)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }
}
