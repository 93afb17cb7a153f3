package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// measurement is one comparison as measured in every run of its suite:
// reported by its median ratio (each run's ratio, baseline and subject
// measured in that run), with the range, and judged by the median alone.
type measurement struct {
	name, unit, target string
	runs               []result
}

// gather groups the results of a suite's runs by measurement, in the order
// of the first run.
func gather(runs [][]result) []measurement {
	var out []measurement
	index := map[string]int{}
	for _, results := range runs {
		for _, r := range results {
			i, seen := index[r.name]
			if !seen {
				i = len(out)
				index[r.name] = i
				out = append(out, measurement{name: r.name, unit: r.unit, target: r.target})
			}
			out[i].runs = append(out[i].runs, r)
		}
	}
	return out
}

// ratios are the run's ratios, sorted.
func (m measurement) ratios() []float64 {
	out := make([]float64, len(m.runs))
	for i, r := range m.runs {
		out[i] = r.ratio()
	}
	slices.Sort(out)
	return out
}

// medianRatio is the median of the runs' ratios. Of an even count it is
// the middle one farther from the target (the lower one against "≥", the
// higher against "≤" or "<"), so that no figure is an average nobody
// measured and the luckier run does not decide.
func (m measurement) medianRatio() float64 {
	r := m.ratios()
	if len(r)%2 == 0 && strings.ContainsAny(m.target, "≤<") {
		return r[len(r)/2]
	}
	return r[(len(r)-1)/2]
}

// met says whether the median meets the target ("≥ 0.7×", "≤ 2×", "< 1×"): "yes",
// "no", or "" for a target that is not a bound on the ratio.
func (m measurement) met() string {
	bound, ok := strings.CutSuffix(strings.TrimSpace(m.target), "×")
	if !ok {
		return ""
	}
	var meets func(float64, float64) bool
	switch {
	case strings.HasPrefix(bound, "≥"):
		meets, bound = func(x, b float64) bool { return x >= b }, strings.TrimPrefix(bound, "≥")
	case strings.HasPrefix(bound, "≤"):
		meets, bound = func(x, b float64) bool { return x <= b }, strings.TrimPrefix(bound, "≤")
	case strings.HasPrefix(bound, "<"):
		meets, bound = func(x, b float64) bool { return x < b }, strings.TrimPrefix(bound, "<")
	default:
		return ""
	}
	b, err := strconv.ParseFloat(strings.TrimSpace(bound), 64)
	if err != nil {
		return ""
	}
	if meets(m.medianRatio(), b) {
		return "yes"
	}
	return "no"
}

// row is the measurement's line of the report: the runs' baselines and
// subjects, the median ratio and the range, the target and whether the
// median meets it.
func (m measurement) row() string {
	var baselines, subjects []string
	for _, r := range m.runs {
		baselines = append(baselines, figure(r.baseline))
		subjects = append(subjects, figure(r.subject))
	}
	r := m.ratios()
	return fmt.Sprintf("| %s | %s %s | %s %s | %.2f× | %.2f–%.2f× | %s | %s |", m.name, strings.Join(baselines, " / "), m.unit,
		strings.Join(subjects, " / "), m.unit, m.medianRatio(), r[0], r[len(r)-1], m.target, m.met())
}

// figure prints a measured value with the digits that tell: whole numbers
// from 100 up, one decimal below (a lag of 15.8 ms, not 16).
func figure(x float64) string {
	if x < 100 {
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 0, 64)
}
