-- Health signals in 10-second buckets per service, version and region, merged as samples arrive
-- and deleted after the retention period.
CREATE TABLE metric_buckets (
    service  TEXT    NOT NULL,
    version  TEXT    NOT NULL,
    region   TEXT    NOT NULL,                -- '' when the sample named no region
    start    INTEGER NOT NULL,                -- ms since the epoch, a multiple of the bucket width
    requests INTEGER NOT NULL CHECK (requests >= 0),
    errors   INTEGER NOT NULL CHECK (errors >= 0 AND errors <= requests),
    latency  TEXT    NOT NULL,                -- Histogram::encode
    -- Start before version and region: evaluations and sparklines read a few services over a
    -- recent time range, which is then one range scan per service.
    PRIMARY KEY (service, start, version, region)
) WITHOUT ROWID;

-- The retention sweep deletes the oldest buckets first.
CREATE INDEX metric_buckets_start ON metric_buckets (start);
