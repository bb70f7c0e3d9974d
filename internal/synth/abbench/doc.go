// Package abbench is the harness the A/B benchmark commands share: it runs
// two contenders as whole processes, interleaved round by round, and
// summarises each side by median wall time and peak RSS, with the load
// average around the run so a noisy machine shows in the report.
package abbench
