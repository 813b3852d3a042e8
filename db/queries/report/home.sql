-- The training manager's home: how many of each thing wait to be done, read
-- in one statement so the counts agree with one another.

-- name: HomeCounts :one
-- @now is the service's clock; @overdue_before the moment a request made
-- earlier is past its target (working days, worked out in Go); @failed_since
-- how far back an email given up on still needs a look.
SELECT
    (SELECT count(*) FROM enquiries e WHERE e.status = 'submitted')::integer AS requests_waiting,
    (SELECT count(*) FROM enquiries e
     WHERE e.status = 'submitted' AND e.submitted_at < @overdue_before::timestamptz)::integer AS requests_overdue,
    -- Registers not taken: a session that ran (published or delivered) and
    -- has ended, with a confirmed place that has no attendance mark (the
    -- seat-counting trigger keeps unmarked_places: migration 00046; the index
    -- reads has_unmarked_places, which follows it: 00073).
    (SELECT count(*) FROM sessions s
     WHERE s.status IN ('published', 'completed') AND s.ends_at <= @now::timestamptz
       AND s.has_unmarked_places)::integer AS registers_not_taken,
    -- Charges to decide: payment's rule for a candidate waiting for the
    -- manager's charge-or-waive (see ChargeCandidates and AgencySessionsToBill):
    -- absent or cancelled late, of a listed agency, the place not paid for,
    -- a charge the policy makes, and no decision recorded. Each booking keeps
    -- whether the rule holds for it (charge_to_decide, kept by the triggers of
    -- migration 00047 wherever what it reads changes) and each session how
    -- many of its bookings it holds for (migration 00063), so the count reads
    -- the index of the sessions with some, under the sessions policy alone,
    -- not each booking under its own (its session visible).
    (SELECT coalesce(sum(s.charges_to_decide), 0) FROM sessions s WHERE s.charges_to_decide > 0)::integer AS charges_to_decide,
    -- Sessions without trainer: the few sessions kept for being so, with
    -- their start and status (migration 00063), not each upcoming session's
    -- trainers looked for.
    (SELECT count(*) FROM trainerless_sessions w
     WHERE w.status IN ('draft', 'published') AND w.starts_at > @now::timestamptz)::integer AS sessions_without_trainer,
    (SELECT count(*) FROM sessions s
     WHERE s.status = 'published' AND s.starts_at > @now::timestamptz
       AND s.starts_at <= @fortnight::timestamptz AND s.seats_taken * 2 < s.capacity)::integer AS sessions_under_half_full,
    (SELECT count(*) FROM bookings b
     WHERE b.status = 'offered' AND b.offer_expires_at > @now::timestamptz
       AND b.offer_expires_at <= @soon::timestamptz)::integer AS offers_lapsing,
    (SELECT count(*) FROM bookings b
     WHERE b.status = 'held' AND b.hold_expires_at > @now::timestamptz
       AND b.hold_expires_at <= @soon::timestamptz)::integer AS holds_lapsing,
    -- Each name once, however typed: read in the index's order, not sorted.
    (SELECT count(*) FROM (SELECT DISTINCT lower(u.unlisted_agency_name) FROM users u
                           WHERE u.unlisted_agency_name <> '' AND u.agency_id IS NULL AND u.erased_at IS NULL) o
    )::integer AS organisations_to_confirm,
    (SELECT count(*) FROM users u
     WHERE u.requested_agency_id IS NOT NULL AND u.erased_at IS NULL)::integer AS agency_changes_to_confirm,
    (SELECT count(*) FROM prior_learning_claims l WHERE l.status = 'pending')::integer AS prior_learning_to_decide,
    (SELECT count(*) FROM emails m WHERE m.failed_at >= @failed_since::timestamptz)::integer AS emails_failed,
    -- queue's rule for a job that failed for good and waits for a manager.
    (SELECT count(*) FROM river_job j
     WHERE (j.state = 'discarded' OR (j.state = 'cancelled' AND coalesce(cardinality(j.errors), 0) > 0))
       AND NOT EXISTS (SELECT 1 FROM job_failures_dealt_with d
                       WHERE d.job_id = j.id AND d.failed_at = j.finalized_at))::integer AS jobs_failed;
