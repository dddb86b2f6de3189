import Core
import Identity
import Ledger
import Logging
import WSCore

/// One open live balances socket: a snapshot first, then every update of the player's balances
/// until the client goes or the session ends (signed out, expired, revoked, the player blocked or
/// self-excluded, which revokes their sessions), checked every `sessionCheck`.
struct LiveBalanceSocket: Sendable {
    let hub: LiveBalanceHub
    let ledger: Ledger
    let currencies: CurrencyCatalog
    let sessions: SessionStore
    let sessionCheck: Duration

    func serve(player: PlayerID, token: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger)
        async throws
    {
        let mailbox = BalanceMailbox()
        await hub.join(player, mailbox)
        // The first delivery is the snapshot, read after joining so no update falls between.
        mailbox.resnapshot()
        let ended = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                // The client sends nothing the server needs; its stream ends when it goes.
                do { for try await _ in inbound {} } catch {}
                return false
            }
            group.addTask {
                do {
                    for await _ in mailbox.rings { try await send(mailbox.take(), of: player, to: outbound) }
                } catch {
                    logger.debug("live balances socket failed", metadata: ["reason": "\(error)"])
                }
                return false
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: sessionCheck)
                    if Task.isCancelled { return false }
                    if (try? await sessions.isLive(token, owner: .player(player), policy: .player)) == false { return true }
                }
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        await hub.leave(player, mailbox)
        if ended { try? await outbound.close(.policyViolation, reason: "session ended") }
    }

    private func send(_ delivery: BalanceMailbox.Delivery, of player: PlayerID, to outbound: WebSocketOutboundWriter) async throws {
        if delivery.snapshot {
            async let catalog = currencies.all()
            let balances = try await ledger.balances(of: player)
            try await outbound.write(.text(LiveBalanceMessage.snapshot(balances, catalog: try await catalog)))
        }
        for update in delivery.updates {
            guard let currency = try await currencies.currency(update.currency) else { continue }
            try await outbound.write(.text(LiveBalanceMessage.balance(update, currency: currency)))
        }
    }
}
