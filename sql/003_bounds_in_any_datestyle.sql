-- CS2 Analytics partition maintenance, version 3: partition bounds read the same in any session.
-- Safe to run any number of times.
--
-- partitions() reads each partition's range by printing its bound with pg_get_expr and casting the
-- text back. The text follows the session's DateStyle: outside ISO, a timestamptz bound carries its
-- offset as a time zone abbreviation, which can be read back as another zone (Asia/Kolkata's IST is
-- read as Israel's), so that an operator's psql session saw the job's own partitions shifted by
-- hours and ensure_future_partitions() refused the month they hold. ISO prints numeric offsets.
-- (The job itself always ran in ISO and UTC.)

ALTER FUNCTION partition_maintenance.partitions(regclass) SET datestyle = 'ISO, YMD';

INSERT INTO partition_maintenance.schema_version (version, description)
VALUES (3, 'partition bounds read in ISO DateStyle whatever the session''s')
ON CONFLICT (version) DO NOTHING;
