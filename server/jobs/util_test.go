package jobs_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/internal/testserver"
)

func itoa(n int) string { return strconv.Itoa(n) }

// newFakeClock is a fake clock at the present, whole seconds (both
// databases keep at least microseconds).
func newFakeClock() *clockwork.FakeClock {
	return clockwork.NewFakeClockAt(time.Now().Truncate(time.Second))
}

// failureLines are the "job failed" lines of logs.
func failureLines(logs string) []string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `msg="job failed"`) {
			out = append(out, l)
		}
	}
	return out
}

// gather returns s's job series as "name{labels}" → value.
func gather(t *testing.T, s *testserver.Server) map[string]float64 {
	t.Helper()
	families, err := s.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "aftercart_jobs_") {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			out[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = v
		}
	}
	return out
}
