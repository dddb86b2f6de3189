-- One batch of :n bets through the procedure the batcher calls (migration 0056), in one round trip.
\set draw random(0, 1000000000)
CALL floor_call(:n, :client_id, :span, :draw);
