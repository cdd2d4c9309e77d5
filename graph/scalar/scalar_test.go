package scalar

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// marshal writes m through both kinds of writer appendTo knows.
func marshal(t testing.TB, m graphql.Marshaler) string {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("x") // not at the start of the buffer, as in a response
	m.MarshalGQL(&buf)
	var other strings.Builder
	m.MarshalGQL(&other)
	if got := buf.String()[1:]; got != other.String() {
		t.Fatalf("bytes.Buffer got %q, another writer %q", got, other.String())
	}
	return other.String()
}

// TestMarshalIntID: the JSON string of the id, as before (strconv.Quote of
// its decimal digits).
func TestMarshalIntID(t *testing.T) {
	for _, id := range []int{1, 42, 4294967298, 1<<63 - 1} {
		if got, want := marshal(t, MarshalIntID(id)), strconv.Quote(strconv.Itoa(id)); got != want {
			t.Errorf("MarshalIntID(%d) = %s, want %s", id, got, want)
		}
	}
}

// TestMarshalTime: RFC 3339 with nanoseconds in UTC, as before
// (strconv.Quote of Format), whatever the zone.
func TestMarshalTime(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	for _, tm := range []time.Time{
		time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 29, 10, 0, 0, 123456789, berlin),
		time.Date(2026, 11, 29, 10, 0, 0, 120000000, berlin),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	} {
		if got, want := marshal(t, MarshalTime(tm)), strconv.Quote(tm.UTC().Format(time.RFC3339Nano)); got != want {
			t.Errorf("MarshalTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

// BenchmarkMarshalScalars: an id and a time written into a response buffer.
func BenchmarkMarshalScalars(b *testing.B) {
	tm := time.Date(2026, 11, 29, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		MarshalIntID(4294967298).MarshalGQL(&buf)
		MarshalTime(tm).MarshalGQL(&buf)
	}
}
