-- The transactional outbox (DESIGN §1, §8): every state change writes its event here in the
-- same transaction; the relay publishes unpublished rows to NATS JetStream in id order.
-- Revert: DROP TABLE outbox;
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    subject text NOT NULL CHECK (subject ~ '^croupier\.[a-z_]+\.[a-z_]+$'),
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
