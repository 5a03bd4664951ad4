//! Each structure claim in `tests/model_claims.rs` disappears when the
//! mechanism behind it is switched off (issue 16: a claim test that still
//! passes with its mechanism off is a defect), and a claim whose direction
//! depends on a setting is shown reversing there, for its stated reason.

mod common;
use common::*;

/// Total throughput per replication of each variant.
fn totals(text: &str) -> Vec<Vec<f64>> {
    let s = scenario(text);
    summaries(&s)
        .iter()
        .map(|runs| runs.iter().map(|r| r.total).collect())
        .collect()
}

/// Throughput each replication lost to the first event against its twin.
fn losses(text: &str) -> Vec<Vec<f64>> {
    let s = scenario(text);
    summaries(&s)
        .iter()
        .map(|runs| runs.iter().map(|r| -r.effects[0][0].total).collect())
        .collect()
}

/// Hierarchy and peer, with `defaults` added to the file's.
fn two_structures(head: &str, defaults: &str, events: &str) -> String {
    format!(
        "{head}\n[defaults]\n{defaults}\n[[variant]]\nname = \"hierarchy\"\nstructure = \"hierarchy\"\n\
         [[variant]]\nname = \"peer\"\nstructure = \"peer\"\n{events}"
    )
}

/// Claim 1 (the hierarchy wins small routine work) rests on the time peer
/// teams spend coordinating and on free riding in teams with no full-time
/// leader. With both off, its lead is gone (567 against 564 tasks; 545
/// against 439 with them).
#[test]
fn routine_work_lead_needs_coordination_and_free_riding() {
    let file = include_str!("../scenarios/routine-work.toml")
        .replace("replications = 60", "replications = 30")
        .replace(
            "coordination_cost = 0.03",
            "coordination_cost = 0.0\nfree_riding = 0.0",
        );
    let t = totals(&file);
    let (h, p) = (&t[0], &t[2]);
    let gap = mean(h) / mean(p) - 1.0;
    assert!(
        gap.abs() < 0.02,
        "hierarchy {:.0} vs peer {:.0}",
        mean(h),
        mean(p)
    );
}

/// Claim 1b (peer wins large decision-heavy work, under load) rests on
/// the decisions: with none the two are level (5857 against 5851 tasks,
/// settled weeks 100-299). Decisions queueing at managers are about 60%
/// of it: with unlimited decision capacity and nothing escalated peer
/// still leads, by 65 tasks instead of 173.
#[test]
fn decision_heavy_lead_rests_on_decisions_half_on_queueing() {
    let head = "name = \"t\"\nsteps = 300\nreplications = 60\nseed = 4";
    let base = "members = 120\narrival_rate = 0.25";
    let settled = "[analysis]\nwarmup = 100\n";
    let run = |extra: &str| {
        let t = totals(&two_structures(head, &format!("{base}\n{extra}"), settled));
        mean(&t[1]) - mean(&t[0])
    };
    let on = run("decision_rate = 0.8");
    let no_queueing = run("decision_rate = 0.8\ndecision_capacity = 10000\nescalation = 0");
    let no_decisions = run("decision_rate = 0");
    assert!(on > 100.0, "peer's lead with queueing: {on:.0}");
    assert!(
        no_queueing > 20.0 && no_queueing < 0.6 * on,
        "without queueing: {no_queueing:.0} (with: {on:.0})"
    );
    assert!(
        no_decisions.abs() < 20.0,
        "without decisions: {no_decisions:.0}"
    );
}

/// Claim 2 (a top departure costs the hierarchy more) rests on how many
/// decisions still reach the top: peer teams delegate more (0.8 against
/// 0.1), so fewer of them wait for the vacant post. Whether someone is
/// ready to step up is not what decides it here: with nobody ever ready
/// the hierarchy still loses more. At equal delegation the claim reverses:
/// with 0.8 in both, the hierarchy's full-time managers cover better and it
/// loses less (16 against 44 tasks).
#[test]
fn top_departure_claim_rests_on_delegation_and_reverses_without_it() {
    let head = "name = \"t\"\nsteps = 150\nreplications = 100\nseed = 8";
    let base = "members = 120\nescalation = 0.5\npromotion_delay = 20\narrival_rate = 0.25";
    let event = "[[event]]\nkind = \"departure\"\ntarget = \"top\"\nat = 100\n";
    let nobody_ready = losses(&two_structures(
        head,
        &format!("{base}\nreadiness = 1.0"),
        event,
    ));
    assert!(
        mean(&nobody_ready[0]) > mean(&nobody_ready[1]),
        "nobody ready: hierarchy {:.0} vs peer {:.0}",
        mean(&nobody_ready[0]),
        mean(&nobody_ready[1])
    );
    let equal = losses(&two_structures(
        head,
        &format!("{base}\ndelegation = 0.8"),
        event,
    ));
    let (h, p) = (&equal[0], &equal[1]);
    assert!(
        mean(h) < mean(p),
        "equal delegation: hierarchy {:.0} vs peer {:.0}",
        mean(h),
        mean(p)
    );
    assert!(welch_p(h, p) < 0.01, "p = {}", welch_p(h, p));
}

/// Mean of metric `name` per replication of each variant.
fn metric_means(text: &str, name: &str) -> Vec<Vec<f64>> {
    let s = scenario(text);
    let k = metric(&s, name);
    summaries(&s)
        .iter()
        .map(|runs| runs.iter().map(|r| r.means[k]).collect())
        .collect()
}

/// Claim 3 (more delegation, lower decision latency) rests on decisions
/// waiting for leaders: with unlimited decision capacity and nothing
/// escalated, a leader answers at once and delegating saves no waiting.
#[test]
fn delegation_lowers_latency_only_where_decisions_wait() {
    let text = |extra: &str| {
        format!(
            "name = \"t\"\nsteps = 120\nreplications = 10\nseed = 2\n[defaults]\nmembers = 60\n{extra}\n\
             [[variant]]\nname = \"h\"\nstructure = \"hierarchy\"\n[sweep]\ndelegation = [0.0, 1.0]\n"
        )
    };
    let on = metric_means(&text(""), "decision_latency");
    assert!(
        mean(&on[1]) < 0.5 * mean(&on[0]),
        "with waiting: {:.3} -> {:.3}",
        mean(&on[0]),
        mean(&on[1])
    );
    let off = metric_means(
        &text("decision_capacity = 10000\nescalation = 0"),
        "decision_latency",
    );
    assert!(
        mean(&off[0]) < 0.01 && mean(&off[1]) < 0.01,
        "without waiting: {:.4} -> {:.4}",
        mean(&off[0]),
        mean(&off[1])
    );
}

/// Claim 4 (promotion prizes and relative rewards cut knowledge sharing)
/// rests on competitive members refusing to share under pressure: with
/// `hoarding` 0 the same prizes leave sharing as it was.
#[test]
fn tournaments_cut_sharing_only_through_hoarding() {
    let text = |hoarding: f64| {
        format!(
            "name = \"t\"\nsteps = 120\nreplications = 15\nseed = 6\n[defaults]\nmembers = 60\nhoarding = {hoarding}\n\
             [[variant]]\nname = \"calm\"\nstructure = \"hierarchy\"\npromotion_prize = 0.0\nrelative_rewards = 0.0\n\
             [[variant]]\nname = \"fierce\"\nstructure = \"hierarchy\"\npromotion_prize = 1.0\nrelative_rewards = 1.0\n"
        )
    };
    let on = metric_means(&text(0.8), "sharing");
    assert!(
        mean(&on[1]) < 0.75 * mean(&on[0]),
        "with hoarding: {:.3} -> {:.3}",
        mean(&on[0]),
        mean(&on[1])
    );
    let off = metric_means(&text(0.0), "sharing");
    let change = mean(&off[1]) / mean(&off[0]) - 1.0;
    assert!(
        change.abs() < 0.05,
        "without hoarding: {:.3} -> {:.3}",
        mean(&off[0]),
        mean(&off[1])
    );
}
