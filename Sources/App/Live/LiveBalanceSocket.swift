import Core
import Identity
import Ledger
import Logging
import NIOWebSocket
import WSCore

/// One open live balances socket: a snapshot first, then every update of the player's balances
/// until the client goes or the hub closes its mailbox: the session ended (1008) or this copy no
/// longer hears the ledger's events (1013, try again later).
struct LiveBalanceSocket: Sendable {
    let hub: LiveBalanceHub
    let ledger: Ledger
    let currencies: CurrencyCatalog
    /// 1013 in IANA's WebSocket close code registry, which NIO does not name.
    static let tryAgainLater = WebSocketErrorCode.unknown(1013)

    func serve(
        player: PlayerID, session: SessionTokenHash, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger
    ) async throws {
        let mailbox = BalanceMailbox()
        // Admitted before the upgrade, but another socket may have taken the last place since.
        guard await hub.join(player, session: session, mailbox) else {
            try? await outbound.close(Self.tryAgainLater, reason: "try again later")
            return
        }
        // The first delivery is the snapshot, read after joining so no update falls between.
        mailbox.resnapshot()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // The client sends nothing the server needs; its stream ends when it goes.
                do { for try await _ in inbound {} } catch {}
            }
            group.addTask {
                do {
                    for await _ in mailbox.rings { try await send(mailbox, of: player, to: outbound) }
                } catch {
                    logger.debug("live balances socket failed", metadata: ["reason": "\(error)"])
                }
            }
            await group.next()
            group.cancelAll()
        }
        await hub.leave(player, mailbox)
        switch mailbox.ending {
        case .sessionEnded: try? await outbound.close(.policyViolation, reason: "session ended")
        case .unavailable: try? await outbound.close(Self.tryAgainLater, reason: "try again later")
        case nil: break
        }
    }

    private func send(_ mailbox: BalanceMailbox, of player: PlayerID, to outbound: WebSocketOutboundWriter) async throws {
        let delivery = mailbox.take()
        if delivery.snapshot {
            async let catalog = currencies.all()
            let balances = try await ledger.balancesAsOf(of: player)
            try await outbound.write(.text(LiveBalanceMessage.snapshot(balances, catalog: try await catalog)))
            mailbox.snapshotted(asOf: balances.mapValues(\.transaction))
        }
        for update in delivery.updates {
            guard let currency = try await currencies.currency(update.currency) else { continue }
            try await outbound.write(.text(LiveBalanceMessage.balance(update, currency: currency)))
        }
    }
}
