-- Where the time of one full-path run's negotiations went, read from their events: the median and
-- the 99th percentile of each stage, in seconds, over the negotiations that committed. RUN_ID is the
-- id the throughput tool prints ("Run 1a2b3c4d: ..."), SCHEMA the services' EventStore:Schema:
--   su postgres -c "psql -d eventshadow -v schema=SCHEMA -v run=RUN_ID" < tools/Throughput/full-path-stages.sql
-- The stages:
--   submitted_to_proposed: analysis and the saga's proposal.
--   proposed_to_claimed: the relay, the PoolManager's queue and the wait for a shadow slot.
--   claimed_to_configured: the claim itself.
--   configured_to_validation_start: the relay, the Validator's queue and the wait for a validation
--     slot. Its end is estimated as the verdict's time less watchedSeconds, so it also contains the
--     Docker calls after the watch.
--   configured_to_ready: timeToReadySeconds, which contains that wait.
--   smoke_load: the suite's smoke load.
--   watch_reads_append: the rest until the verdict is stored: the watch, the cgroup reads, the
--     cleanup and the append.
--   validated_to_committed: the relay and the saga's commit.
with tasks as (
  select stream_id, timestamp as submitted
  from :"schema".mt_events
  where type = 'partial_task_submitted' and data ->> 'taskName' like 'Deployment/bench-full-' || :'run' || '-%'
),
stages as (
  select t.stream_id,
    t.submitted,
    (select min(timestamp) from :"schema".mt_events e where e.stream_id = t.stream_id and e.type = 'allocation_proposed') as proposed,
    (select min((data ->> 'claimedAt')::timestamptz) from :"schema".mt_events e where e.stream_id = t.stream_id and e.type = 'shadow_claimed') as claimed,
    (select bool_and((data ->> 'coldStart')::boolean) from :"schema".mt_events e where e.stream_id = t.stream_id and e.type = 'shadow_claimed') as cold,
    (select max((data ->> 'configuredAt')::timestamptz) from :"schema".mt_events e where e.stream_id = t.stream_id and e.type = 'shadow_configured') as configured,
    (select max(timestamp) from :"schema".mt_events e where e.stream_id = t.stream_id and e.type in ('validation_passed', 'validation_failed')) as validated,
    (select max((data -> 'measurements' ->> 'watchedSeconds')::float) from :"schema".mt_events e where e.stream_id = t.stream_id and e.type in ('validation_passed', 'validation_failed')) as watched,
    (select max((data -> 'measurements' ->> 'timeToReadySeconds')::float) from :"schema".mt_events e where e.stream_id = t.stream_id and e.type in ('validation_passed', 'validation_failed')) as ready,
    (select max((data -> 'measurements' -> 'smokeLoad' ->> 'durationSeconds')::float) from :"schema".mt_events e where e.stream_id = t.stream_id and e.type in ('validation_passed', 'validation_failed')) as smoke,
    (select max((data ->> 'committedAt')::timestamptz) from :"schema".mt_events e where e.stream_id = t.stream_id and e.type = 'allocation_committed') as committed,
    (select count(*) from :"schema".mt_events e where e.stream_id = t.stream_id and e.type = 'allocation_proposed') as attempts
  from tasks t
),
seconds as (
  select
    extract(epoch from proposed - submitted) as to_proposed,
    extract(epoch from claimed - proposed) as to_claimed,
    extract(epoch from configured - claimed) as to_configured,
    extract(epoch from (validated - make_interval(secs => watched)) - configured) as to_validation,
    ready,
    smoke,
    extract(epoch from validated - configured) - ready - coalesce(smoke, 0) as after_smoke,
    extract(epoch from committed - validated) as to_committed,
    extract(epoch from committed - submitted) as total,
    cold, attempts
  from stages
  where committed is not null
)
select 'median' as statistic, count(*) as n, sum(case when cold then 1 else 0 end) as cold_starts,
  round(percentile_cont(0.5) within group (order by to_proposed)::numeric, 2) as submitted_to_proposed,
  round(percentile_cont(0.5) within group (order by to_claimed)::numeric, 2) as proposed_to_claimed,
  round(percentile_cont(0.5) within group (order by to_configured)::numeric, 2) as claimed_to_configured,
  round(percentile_cont(0.5) within group (order by to_validation)::numeric, 2) as configured_to_validation_start,
  round(percentile_cont(0.5) within group (order by ready)::numeric, 2) as configured_to_ready,
  round(percentile_cont(0.5) within group (order by smoke)::numeric, 2) as smoke_load,
  round(percentile_cont(0.5) within group (order by after_smoke)::numeric, 2) as watch_reads_append,
  round(percentile_cont(0.5) within group (order by to_committed)::numeric, 2) as validated_to_committed,
  round(percentile_cont(0.5) within group (order by total)::numeric, 2) as total
from seconds
union all
select 'p99', count(*), sum(case when cold then 1 else 0 end),
  round(percentile_cont(0.99) within group (order by to_proposed)::numeric, 2),
  round(percentile_cont(0.99) within group (order by to_claimed)::numeric, 2),
  round(percentile_cont(0.99) within group (order by to_configured)::numeric, 2),
  round(percentile_cont(0.99) within group (order by to_validation)::numeric, 2),
  round(percentile_cont(0.99) within group (order by ready)::numeric, 2),
  round(percentile_cont(0.99) within group (order by smoke)::numeric, 2),
  round(percentile_cont(0.99) within group (order by after_smoke)::numeric, 2),
  round(percentile_cont(0.99) within group (order by to_committed)::numeric, 2),
  round(percentile_cont(0.99) within group (order by total)::numeric, 2)
from seconds;
