import PostgresNIO

/// `ledger_apply_batch_committed` (migration 0056, which calls `ledger_apply_batch_v2` of 0055,
/// 0057 and 0060 and commits) as a prepared statement: each argument of `ledger_apply_with_hooks_v2` as an
/// array with one element per operation, answered with one row of arrays, one element per
/// operation in the order given. `CALL` it outside a transaction: its answer means committed.
struct BatchApplyStatement: PostgresPreparedStatement {
    typealias Row = ([Int32], [String], [String], [Int64], [Int64], [Int64], [Int64], [Bool])

    static let sql = """
        CALL ledger_apply_batch_committed($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .textArray, .textArray, .byteaArray, .textArray, .int8Array, .textArray, .int8Array, .textArray, .textArray, .textArray,
        .textArray, .textArray, .textArray, .textArray,
    ]

    /// What the function reads as "no amount", and what the procedure answers for "no balance":
    /// `Ledger.validate` refuses it for every kind and balances are never negative, so it never
    /// stands for a real one.
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

    /// Each operation's answer, in the order given, from the procedure's row; fails unless it
    /// answers every operation once, in order.
    static func outcomes(of row: Row, count: Int) throws -> [Ledger.HookedOutcome] {
        let (ordinals, refusals, codes, transactionIDs, reals, bonuses, lockeds, replays) = row
        guard ordinals == Array(1...Int32(count)),
            [refusals.count, codes.count, transactionIDs.count, reals.count, bonuses.count, lockeds.count, replays.count]
                .allSatisfy({ $0 == count })
        else { throw LedgerError.unexpectedResult("a batch of \(count) answered ordinals \(ordinals.prefix(8))") }
        let balance = { (value: Int64) in value == absentAmount ? nil : value }
        return try (0..<count).map { index in
            try Ledger.hookedOutcome(
                refusals[index].isEmpty ? nil : refusals[index], codes[index].isEmpty ? nil : codes[index],
                transactionIDs[index] == 0 ? nil : transactionIDs[index], balance(reals[index]), balance(bonuses[index]),
                balance(lockeds[index]), replays[index])
        }
    }

    /// A list of function names as the text of a PostgreSQL array, each element quoted, so the
    /// function's `::regproc[]` cast reads back exactly these names. Byte by byte: it runs for
    /// every hook of every operation, and Foundation's string replacement was about 2 % of the
    /// server's CPU under the Hub88 benchmark.
    static func arrayLiteral(_ names: [String]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (index, name) in names.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            for byte in name.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
