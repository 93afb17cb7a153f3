package main

import "testing"

// A measurement is reported by the median of its runs' ratios, with their
// range, and judged by that median: one good run does not meet a target.
func TestAMeasurementIsJudgedByTheMedianOfItsRuns(t *testing.T) {
	run := func(baseline, subject float64) []result {
		return []result{{name: "x", unit: "ops/s", baseline: baseline, subject: subject, target: "≥ 0.7×"},
			{name: "y", unit: "µs", baseline: 100, subject: subject, target: "≤ 2×"}}
	}
	ms := gather([][]result{run(100, 90), run(100, 50), run(100, 60)})
	if len(ms) != 2 || ms[0].name != "x" || len(ms[0].runs) != 3 {
		t.Fatalf("gathered %+v", ms)
	}
	if got := ms[0].medianRatio(); got != 0.6 {
		t.Fatalf("median ratio %v, want 0.6 (runs 0.9, 0.5, 0.6)", got)
	}
	if got := ms[0].met(); got != "no" {
		t.Fatalf("a median of 0.6 against ≥ 0.7×: %q, want no (one run of 0.9 does not count)", got)
	}
	if got := ms[1].met(); got != "yes" {
		t.Fatalf("a median of 0.6 against ≤ 2×: %q, want yes", got)
	}
	if row := ms[0].row(); row != "| x | 100 / 100 / 100 ops/s | 90.0 / 50.0 / 60.0 ops/s | 0.60× | 0.50–0.90× | ≥ 0.7× | no |" {
		t.Fatalf("row %q", row)
	}
	even := gather([][]result{run(100, 40), run(100, 80)})
	if got := even[0].medianRatio(); got != 0.4 {
		t.Fatalf("the median of two runs against ≥ is the lower one, %v", got)
	}
	if got := even[1].medianRatio(); got != 0.8 {
		t.Fatalf("the median of two runs against ≤ is the higher one, %v", got)
	}
	lag := gather([][]result{{{name: "lag", unit: "ms", baseline: 20, subject: 15.84, target: "< 1×"}},
		{{name: "lag", unit: "ms", baseline: 20, subject: 24, target: "< 1×"}}, {{name: "lag", unit: "ms", baseline: 20, subject: 19.5, target: "< 1×"}}})
	if got := lag[0].met(); got != "yes" {
		t.Fatalf("a median lag of 19.5 ms against a 20 ms target: %q, want yes", got)
	}
	if row := lag[0].row(); row != "| lag | 20.0 / 20.0 / 20.0 ms | 15.8 / 24.0 / 19.5 ms | 0.97× | 0.79–1.20× | < 1× | yes |" {
		t.Fatalf("row %q", row)
	}
	for _, target := range []string{"≤ 0.1× (≥ 10× faster)", "—"} { // what the report cannot judge, it leaves blank
		if got := (measurement{target: target, runs: []result{{baseline: 1, subject: 1}}}).met(); got != "" {
			t.Fatalf("target %q: %q, want none", target, got)
		}
	}
	if got := (measurement{target: "p99 < 100 ms", runs: []result{{baseline: 1, subject: 1}}}).met(); got != "" {
		t.Fatalf("a target that is not a ratio: %q, want none", got)
	}
}
