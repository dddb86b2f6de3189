-- Compliance's KYC documents and applications (docs/compliance.md, "Documents", "What staff do").
-- A document's bytes are sealed (AES-GCM under a key derived from CROUPIER_SECRET_KEY, bound to
-- the document's public id), kept with the SHA-256 of the plaintext, its size and the content
-- type found in its first bytes (never the name the player gave). An application asks staff for
-- a level; at most one is open per player.
-- Revert: DROP TABLE compliance_applications, compliance_documents;

CREATE TABLE compliance_documents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id text NOT NULL UNIQUE CHECK (public_id ~ '^doc_[A-Za-z0-9_-]{22}$'),
    player_id bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('identityDocument', 'selfie', 'proofOfAddress', 'sourceOfFunds')),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
    sha256 bytea NOT NULL CHECK (length(sha256) = 32),
    sealed bytea NOT NULL,
    claimed_filename text NOT NULL CHECK (length(claimed_filename) <= 255),
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    -- Staff's words to the player when rejected.
    reason text CHECK (length(reason) <= 1000),
    reviewed_by bigint,
    reviewed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'pending') = (reviewed_at IS NULL))
);
CREATE INDEX compliance_documents_player ON compliance_documents (player_id, id);
CREATE INDEX compliance_documents_pending ON compliance_documents (id) WHERE state = 'pending';

CREATE TABLE compliance_applications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id text NOT NULL UNIQUE CHECK (public_id ~ '^kyc_[A-Za-z0-9_-]{22}$'),
    player_id bigint NOT NULL,
    level smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
    -- pending → approved | rejected | document_requested; document_requested → pending (the
    -- player uploaded the kind asked for) | rejected.
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected', 'document_requested')),
    reason text CHECK (length(reason) <= 1000),
    requested_kind text CHECK (requested_kind IN ('identityDocument', 'selfie', 'proofOfAddress', 'sourceOfFunds')),
    reviewed_by bigint,
    reviewed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'document_requested') = (requested_kind IS NOT NULL))
);
CREATE UNIQUE INDEX compliance_applications_one_open ON compliance_applications (player_id)
    WHERE state IN ('pending', 'document_requested');
CREATE INDEX compliance_applications_queue ON compliance_applications (id) WHERE state = 'pending';
