//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// timings records how long each phase took, for the test log and the JSON
// report (test/e2e/report.json, git-ignored).
type timings struct {
	mu      sync.Mutex
	started time.Time
	phases  []phase
	figures map[string]float64
	traffic []trafficRow
}

// trafficRow is one row of the seed's traffic table, observed.
type trafficRow struct {
	Phase    string         `json:"phase"`
	Header   string         `json:"header,omitempty"`
	Requests int            `json:"requests"`
	Versions map[string]int `json:"versions"`
	Errors   map[string]int `json:"errors,omitempty"`
	Canary   string         `json:"canary,omitempty"`
	Weight   int            `json:"expectedCanaryPercent"`
	PValue   float64        `json:"pValue"`
	Seed     string         `json:"seed,omitempty"` // the seed's count at this step, for comparison
}

func (tm *timings) trafficRow(r trafficRow) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.traffic = append(tm.traffic, r)
}

type phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

func newTimings() *timings {
	return &timings{started: time.Now(), figures: map[string]float64{}}
}

func (tm *timings) add(name string, d time.Duration) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.phases = append(tm.phases, phase{Name: name, Seconds: round2(d.Seconds())})
}

// figure records a headline number (e.g. commit→synced with --refresh).
func (tm *timings) figure(name string, d time.Duration) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.figures[name] = round2(d.Seconds())
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func (tm *timings) String() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	s := ""
	for _, p := range tm.phases {
		s += fmt.Sprintf("  %-60s %7.2fs\n", p.Name, p.Seconds)
	}
	for k, v := range tm.figures {
		s += fmt.Sprintf("  %-60s %7.2fs\n", "FIGURE "+k, v)
	}
	return s
}

func (tm *timings) write(path string, passed bool) error {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	data, err := json.MarshalIndent(struct {
		Passed       bool               `json:"passed"`
		StartedAt    string             `json:"startedAt"`
		TotalSeconds float64            `json:"totalSeconds"`
		Figures      map[string]float64 `json:"figures"`
		Phases       []phase            `json:"phases"`
		Traffic      []trafficRow       `json:"traffic"`
	}{passed, tm.started.UTC().Format(time.RFC3339), round2(time.Since(tm.started).Seconds()), tm.figures, tm.phases, tm.traffic}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
