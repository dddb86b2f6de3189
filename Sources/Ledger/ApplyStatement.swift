import PostgresNIO

/// `ledger_apply` as a prepared statement: parsed and planned once per connection, since it
/// runs for every bet, win and deposit.
struct ApplyStatement: PostgresPreparedStatement {
    typealias Row = (String, Int64?, Int64?, Int64?, Int64?, Bool)

    static let sql = """
        SELECT code, transaction_id, real_balance, bonus_balance, locked_balance, replayed
          FROM ledger_apply($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .bytea, .text, .int8, .text, .int8, .text, .text, .text, .text]

    let scope: String
    let key: String
    let payloadHash: [UInt8]
    let kind: String
    let player: Int64
    let currency: String
    let units: Int64?
    let house: String?
    let referenceScope: String?
    let referenceKey: String?
    let metadata: String

    init(_ arguments: Ledger.Arguments) {
        scope = arguments.scope
        key = arguments.key
        payloadHash = arguments.payloadHash
        kind = arguments.kind
        player = arguments.player
        currency = arguments.currency
        units = arguments.units
        house = arguments.house
        referenceScope = arguments.referenceScope
        referenceKey = arguments.referenceKey
        metadata = arguments.metadata
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 11)
        bindings.append(scope)
        bindings.append(key)
        bindings.append(ByteBuffer(bytes: payloadHash))
        bindings.append(kind)
        bindings.append(player)
        bindings.append(currency)
        if let units { bindings.append(units) } else { bindings.appendNull() }
        for text in [house, referenceScope, referenceKey] {
            if let text { bindings.append(text) } else { bindings.appendNull() }
        }
        bindings.append(metadata)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
