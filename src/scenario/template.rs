//! The commented template `orgsim init NAME` writes.

/// A ready-to-run scenario named `name`, commented for a first-time user.
pub fn template(name: &str) -> String {
    TEMPLATE.replace("{{name}}", name)
}

const TEMPLATE: &str = r#"# Question: what happens to each structure when the top leader leaves?
# Run it:      orgsim run {{name}}.toml
# Check it:    orgsim validate {{name}}.toml
# Every parameter, its unit and valid range: docs/model.md

name = "{{name}}"                 # results go to results/{{name}}/
question = "What happens to each structure when the top leader leaves?"
description = "A 60-person organization run three ways; the top leader leaves at week 100."
steps = 200                       # one step is one working week
replications = 30                 # runs per variant, each with its own random stream
seed = 1                          # same seed, same results

# Parameters shared by every variant (any parameter from docs/model.md).
[defaults]
members = 60                      # total headcount, managers included
team_size = 6
arrival_rate = 0.25               # tasks per member per week

# Each variant is one organization. `structure` sets a preset
# (hierarchy, leader-leader or peer); any parameter below it overrides the preset.
[[variant]]
name = "hierarchy"
structure = "hierarchy"

[[variant]]
name = "leader-leader"
structure = "leader-leader"
delegation = 0.7                  # share of decisions taken by the people doing the work

[[variant]]
name = "peer"
structure = "peer"

# Events: kind = departure | layoff | demand | turbulence | outage.
[[event]]
kind = "departure"
target = "top"                    # top | leaders | most-skilled | random | post
at = 100                          # the week it happens
label = "CEO leaves"

# A sweep turns each variant into one variant per combination of values:
# [sweep]
# delegation = [0.0, 0.25, 0.5, 0.75, 1.0]

# A run can end early when the organization collapses (summary.csv then
# says where and why; with events, set twins = false under [analysis]):
# [stop]
# collapse = ["headcount < 0.5 * members", "backlog > 500"]
"#;
