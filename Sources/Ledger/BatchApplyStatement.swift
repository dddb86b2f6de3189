import Foundation
import PostgresNIO

/// `ledger_apply_batch_v2` (migration 0055) as a prepared statement: each argument of
/// `ledger_apply_with_hooks_v2` as an array with one element per operation, answered with one
/// row per operation, numbered from 1 in the order given.
struct BatchApplyStatement: PostgresPreparedStatement {
    typealias Row = (Int32, String?, String?, Int64?, Int64?, Int64?, Int64?, Bool)

    static let sql = """
        SELECT ordinal, refusal, code, transaction_id, real_balance, bonus_balance, locked_balance, replayed
          FROM ledger_apply_batch_v2($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .textArray, .textArray, .byteaArray, .textArray, .int8Array, .textArray, .int8Array, .textArray, .textArray, .textArray,
        .textArray, .textArray, .textArray, .textArray,
    ]

    /// What the function reads as "no amount": `Ledger.validate` refuses it for every kind, so
    /// it never stands for a real one.
    static let absentAmount = Int64.min

    let calls: [HookedApplyStatement]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 14)
        let ledger = calls.map(\.ledger)
        bindings.append(ledger.map(\.scope))
        bindings.append(ledger.map(\.key))
        bindings.append(ledger.map { ByteBuffer(bytes: $0.payloadHash) })
        bindings.append(ledger.map(\.kind))
        bindings.append(ledger.map(\.player))
        bindings.append(ledger.map(\.currency))
        bindings.append(ledger.map { $0.units ?? Self.absentAmount })
        // An empty text is never a well-formed house code or key: the function reads it as none.
        bindings.append(ledger.map { $0.house ?? "" })
        bindings.append(ledger.map { $0.referenceScope ?? "" })
        bindings.append(ledger.map { $0.referenceKey ?? "" })
        bindings.append(ledger.map(\.metadata))
        bindings.append(calls.map { Self.arrayLiteral($0.checks) })
        bindings.append(calls.map { Self.arrayLiteral($0.followUps) })
        bindings.append(calls.map(\.hookArguments))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }

    /// A list of function names as the text of a PostgreSQL array, each element quoted, so the
    /// function's `::regproc[]` cast reads back exactly these names.
    static func arrayLiteral(_ names: [String]) -> String {
        let quoted = names.map { name in
            "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "{" + quoted.joined(separator: ",") + "}"
    }
}
