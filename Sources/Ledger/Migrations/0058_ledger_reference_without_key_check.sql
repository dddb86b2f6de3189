-- A transaction's reference to another (a win's bet, a rollback's operation, a settlement's hold)
-- is no longer checked by a foreign key on insert; the auditor proves it instead (docs/ledger.md,
-- "Invariants" 10), as it has proven the transfers' references since 0050.
--
-- The key's check ran on every win, rollback and settlement: an index probe of the row named,
-- which it then locked FOR KEY SHARE, a WAL record and a dirtied heap page apiece, on a row no
-- one may change anyway (the immutability trigger refuses UPDATE and DELETE). Its insert trigger
-- was queued for every other row too. Nothing relies on the lock: a player's operations are
-- serialized by the player's real account row, which every path locks first. Every path writes a
-- reference only with the id it has just read under that lock (ledger_apply,
-- ledger_apply_batch_v2), so a reference leading nowhere means the table was written around the
-- ledger's functions, which invariant 10 reports.
-- Revert: ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_reference_id_fkey
--         FOREIGN KEY (reference_id) REFERENCES ledger_transactions (id) NOT VALID, then
--         VALIDATE CONSTRAINT ledger_transactions_reference_id_fkey.

ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_reference_id_fkey;
