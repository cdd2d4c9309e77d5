package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

func TestCleanName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", NameAnonymous},
		{"OrderStatus", "OrderStatus"},
		{"_private9", "_private9"},
		{"9lives", NameOther},
		{"order status", NameOther},
		{"Ordér", NameOther},
		{`x"} 1`, NameOther},
		{strings.Repeat("a", MaxNameLength), strings.Repeat("a", MaxNameLength)},
		{strings.Repeat("a", MaxNameLength+1), NameOther},
	} {
		if got := CleanName(tc.in); got != tc.want {
			t.Errorf("CleanName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestOperationNamesAreBounded: a client inventing names, in valid
// operations or not, never makes more than MaxOperationNames series, and a
// name seen first in a request that did not validate gets none.
func TestOperationNamesAreBounded(t *testing.T) {
	m := New()
	m.Operation(TypeQuery, "Early", false, OutcomeOK, time.Millisecond) // never validated: other
	for i := 0; i < 3*MaxOperationNames; i++ {
		m.Operation(TypeQuery, fmt.Sprintf("Op%d", i), true, OutcomeOK, time.Millisecond)
	}
	m.Operation(TypeQuery, "Op0", false, "GRAPHQL_VALIDATION_FAILED", time.Millisecond) // known: keeps its name
	m.Operation(TypeMutation, "", true, OutcomeOK, time.Millisecond)
	m.Operation("bogus", "Op1", true, `not a code"`, time.Millisecond)

	series := testutil.CollectAndCount(m.operations)
	// Op0..Op99 ok, other (Early + Op100..), Op0 failed, anonymous, unknown Op1.
	if want := MaxOperationNames + 4; series != want {
		t.Errorf("%d series, want %d", series, want)
	}
	for _, tc := range []struct {
		labels []string
		want   float64
	}{
		{[]string{TypeQuery, "Op0", OutcomeOK}, 1},
		{[]string{TypeQuery, NameOther, OutcomeOK}, 1 + 2*MaxOperationNames},
		{[]string{TypeQuery, "Op0", "GRAPHQL_VALIDATION_FAILED"}, 1},
		{[]string{TypeMutation, NameAnonymous, OutcomeOK}, 1},
		{[]string{TypeUnknown, "Op1", OutcomeOther}, 1},
	} {
		h, err := m.operations.GetMetricWithLabelValues(tc.labels...)
		if err != nil {
			t.Fatal(err)
		}
		if got := histogramCount(t, h); got != tc.want {
			t.Errorf("%v: %v operations, want %v", tc.labels, got, tc.want)
		}
	}
}

func TestCloseCodesAreBounded(t *testing.T) {
	m := New()
	for _, code := range []int{1000, 1006, 4403, 3000, 4999, 4403} {
		m.WebsocketOpened()
		m.WebsocketClosed(code)
	}
	for code, want := range map[string]float64{"1000": 1, "1006": 1, "4403": 2, OutcomeOther: 2} {
		if got := testutil.ToFloat64(m.wsClosed.WithLabelValues(code)); got != want {
			t.Errorf("closed{code=%s} = %v, want %v", code, got, want)
		}
	}
	if got := testutil.ToFloat64(m.websockets); got != 0 {
		t.Errorf("open websockets = %v after as many closes as opens", got)
	}
}

func histogramCount(t *testing.T, o prometheus.Observer) float64 {
	t.Helper()
	var d dto.Metric
	if err := o.(prometheus.Metric).Write(&d); err != nil {
		t.Fatal(err)
	}
	return float64(d.GetHistogram().GetSampleCount())
}
