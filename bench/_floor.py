"""The SQL floor of figure 1: every score of a month in one statement."""

import datetime


def _floor_params(month):
    from zoneinfo import ZoneInfo

    from django.conf import settings

    zone = ZoneInfo(settings.TIME_ZONE)
    end = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return {
        "month": month,
        "end": end,
        "start_at": datetime.datetime.combine(month, datetime.time.min, zone),
        "end_at": datetime.datetime.combine(end, datetime.time.min, zone),
        "zone": settings.TIME_ZONE,
    }


#: The scores of every unit and every evaluated committee (大工委, 大党委) of
#: every street for one month, in one statement: the metrics the score uses
#: (evaluations.metrics), the policy in force, the weighted mean of the
#: applicable components (evaluations.scoring), rounded half-up to 0.01, and
#: the grade by the policy's thresholds.
FLOOR_SQL = """
INSERT INTO bench_floor_scores (kind, subject_id, street_id, score, grade)
WITH policy AS (
    SELECT DISTINCT ON (street_id) *
    FROM evaluations_scoringpolicy
    WHERE effective_month <= %(month)s
    ORDER BY street_id, effective_month DESC, version DESC
),
attendance AS (
    SELECT a.unit_id, a.street_id, count(*) AS invited,
           count(*) FILTER (WHERE a.status = 'present') AS attended
    FROM meetings_attendance a
    JOIN meetings_meeting m ON m.id = a.meeting_id AND m.street_id = a.street_id
    WHERE a.kind = 'member' AND a.status IN ('present', 'absent')
      AND m.month = %(month)s AND m.status <> 'cancelled'
    GROUP BY a.unit_id, a.street_id
),
actions AS (
    SELECT unit_id, street_id, count(*) AS due,
           count(*) FILTER (WHERE status = 'done'
               AND (done_at AT TIME ZONE %(zone)s)::date <= due_on) AS on_time
    FROM meetings_actionitem
    WHERE due_on >= %(month)s AND due_on < %(end)s
    GROUP BY unit_id, street_id
),
members AS (
    SELECT employer_unit_id AS unit_id, street_id, count(*) AS n
    FROM orgs_partymember WHERE status = 'in_service'
    GROUP BY employer_unit_id, street_id
),
served AS (
    SELECT employer_unit_id AS unit_id, street_id,
           count(DISTINCT volunteer_id) AS n
    FROM volunteers_checkin
    WHERE in_service AND attendance IN ('pending', 'present', 'late')
      AND checked_in_at >= %(start_at)s AND checked_in_at < %(end_at)s
    GROUP BY employer_unit_id, street_id
),
wishes AS (
    SELECT claimed_by_unit_id AS unit_id, street_id, count(*) AS n
    FROM volunteers_microwish
    WHERE status IN ('fulfilled', 'confirmed')
      AND fulfilled_at >= %(start_at)s AND fulfilled_at < %(end_at)s
    GROUP BY claimed_by_unit_id, street_id
),
posts AS (
    SELECT claimed_by_unit_id AS unit_id, street_id, count(*) AS n
    FROM volunteers_servicepost
    WHERE status IN ('fulfilled', 'confirmed')
      AND fulfilled_at >= %(start_at)s AND fulfilled_at < %(end_at)s
    GROUP BY claimed_by_unit_id, street_id
),
events AS (
    SELECT unit_id, street_id, count(*) AS n
    FROM volunteers_groupserviceevent
    WHERE held_on >= %(month)s AND held_on < %(end)s
    GROUP BY unit_id, street_id
),
parts AS (
    SELECT u.id AS unit_id, u.street_id, p.excellent_min, p.good_min, p.fair_min,
        (p.unit_weights->>'attendance')::numeric AS w_att,
        (p.unit_weights->>'action_items')::numeric AS w_act,
        (p.unit_weights->>'service')::numeric AS w_srv,
        (p.unit_weights->>'co_building')::numeric AS w_co,
        CASE WHEN coalesce(att.invited, 0) > 0 THEN least(
            coalesce(att.attended, 0)::numeric(40, 30) * 100 / att.invited, 100)
        END AS s_att,
        CASE WHEN coalesce(act.due, 0) > 0 THEN least(
            coalesce(act.on_time, 0)::numeric(40, 30) * 100 / act.due, 100)
        END AS s_act,
        CASE WHEN coalesce(mem.n, 0) > 0 THEN least(
            coalesce(srv.n, 0)::numeric(40, 30) * 100 / mem.n, 100)
        END AS s_srv,
        least((coalesce(w.n, 0) + coalesce(po.n, 0) + coalesce(ev.n, 0))
            ::numeric(40, 30) * 100
            / greatest(coalesce((p.targets->>'co_building')::int, 1), 1), 100)
            AS s_co
    FROM orgs_orgnode u
    JOIN policy p ON p.street_id = u.street_id
    LEFT JOIN attendance att ON att.unit_id = u.id AND att.street_id = u.street_id
    LEFT JOIN actions act ON act.unit_id = u.id AND act.street_id = u.street_id
    LEFT JOIN members mem ON mem.unit_id = u.id AND mem.street_id = u.street_id
    LEFT JOIN served srv ON srv.unit_id = u.id AND srv.street_id = u.street_id
    LEFT JOIN wishes w ON w.unit_id = u.id AND w.street_id = u.street_id
    LEFT JOIN posts po ON po.unit_id = u.id AND po.street_id = u.street_id
    LEFT JOIN events ev ON ev.unit_id = u.id AND ev.street_id = u.street_id
    WHERE u.kind = 'unit'
),
scored AS (
    SELECT unit_id, street_id, excellent_min, good_min, fair_min,
        round(coalesce(
            (coalesce(w_att * s_att, 0) + coalesce(w_act * s_act, 0)
             + coalesce(w_srv * s_srv, 0) + coalesce(w_co * s_co, 0))
            / nullif(
                CASE WHEN s_att IS NOT NULL THEN w_att ELSE 0 END
                + CASE WHEN s_act IS NOT NULL THEN w_act ELSE 0 END
                + CASE WHEN s_srv IS NOT NULL THEN w_srv ELSE 0 END
                + w_co, 0),
            0), 2) AS score
    FROM parts
),
c_meetings AS (
    SELECT committee_id, count(*) AS held,
           count(*) FILTER (WHERE minutes_filed_at IS NOT NULL
               AND minutes_filed_at <= held_at + interval '7 days') AS on_time
    FROM meetings_meeting
    WHERE month = %(month)s AND status = 'held'
    GROUP BY committee_id
),
c_actions AS (
    SELECT committee_id, count(*) AS due,
           count(*) FILTER (WHERE status = 'done' AND done_at < %(end_at)s) AS done
    FROM meetings_actionitem
    WHERE due_on >= %(month)s AND due_on < %(end)s
    GROUP BY committee_id
),
c_escalations AS (
    SELECT pr.committee_id, count(*) AS total,
           count(*) FILTER (WHERE pr.result_at < %(end_at)s) AS resolved
    FROM meetings_problem pr
    LEFT JOIN meetings_problem up ON up.escalated_from_id = pr.id
    WHERE (pr.escalated_from_id IS NOT NULL OR up.id IS NOT NULL)
      AND coalesce(up.created_at, pr.created_at) < %(end_at)s
      AND (pr.result_at IS NULL OR pr.result_at >= %(start_at)s)
    GROUP BY pr.committee_id
),
c_parts AS (
    SELECT c.id AS committee_id, c.street_id,
        p.excellent_min, p.good_min, p.fair_min,
        coalesce((p.committee_weights->>'action_items')::numeric, 0) AS w_act,
        coalesce((p.committee_weights->>'minutes')::numeric, 0) AS w_min,
        coalesce((p.committee_weights->>'escalations')::numeric, 0) AS w_esc,
        CASE WHEN coalesce(a.due, 0) > 0 THEN least(
            coalesce(a.done, 0)::numeric(40, 30) * 100 / a.due, 100)
        END AS s_act,
        least(coalesce(m.on_time, 0)::numeric(40, 30) * 100
            / greatest(coalesce(m.held, 0), 1), 100) AS s_min,
        CASE WHEN coalesce(e.total, 0) > 0 THEN least(
            coalesce(e.resolved, 0)::numeric(40, 30) * 100 / e.total, 100)
        END AS s_esc
    FROM orgs_committee c
    JOIN policy p ON p.street_id = c.street_id
    LEFT JOIN c_meetings m ON m.committee_id = c.id
    LEFT JOIN c_actions a ON a.committee_id = c.id
    LEFT JOIN c_escalations e ON e.committee_id = c.id
    WHERE c.kind IN ('big_working', 'big_party')
),
c_scored AS (
    SELECT committee_id, street_id, excellent_min, good_min, fair_min,
        round(coalesce(
            (coalesce(w_act * s_act, 0) + w_min * s_min + coalesce(w_esc * s_esc, 0))
            / nullif(
                CASE WHEN s_act IS NOT NULL THEN w_act ELSE 0 END
                + w_min
                + CASE WHEN s_esc IS NOT NULL THEN w_esc ELSE 0 END, 0),
            0), 2) AS score
    FROM c_parts
),
results AS (
    SELECT 'unit' AS kind, unit_id AS subject_id, street_id, score,
           excellent_min, good_min, fair_min
    FROM scored
    UNION ALL
    SELECT 'committee', committee_id, street_id, score,
           excellent_min, good_min, fair_min
    FROM c_scored
)
SELECT kind, subject_id, street_id, score,
    CASE WHEN score >= excellent_min THEN 'excellent'
         WHEN score >= good_min THEN 'good'
         WHEN score >= fair_min THEN 'fair'
         ELSE 'poor' END
FROM results
"""
