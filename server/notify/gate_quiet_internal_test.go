package notify

import (
	"strings"
	"testing"
	"time"
)

// TestQuietUntil: the quiet hours rule as a pure function, across
// midnight, at its edges, and on the night the clocks change.
func TestQuietUntil(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	night, _ := parseQuietHours("21:00-08:00")
	lunch, _ := parseQuietHours("12:00-13:30")
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		name  string
		q     quiet
		now   string
		in    bool
		until string
	}{
		{"evening, before", night, "2026-03-02 20:59", false, ""},
		{"evening, at the start", night, "2026-03-02 21:00", true, "2026-03-03 08:00"},
		{"before midnight", night, "2026-03-02 23:30", true, "2026-03-03 08:00"},
		{"after midnight", night, "2026-03-03 02:00", true, "2026-03-03 08:00"},
		{"at the end", night, "2026-03-03 08:00", false, ""},
		{"day", night, "2026-03-03 12:00", false, ""},
		{"same-day window", lunch, "2026-03-03 12:10", true, "2026-03-03 13:30"},
		{"after a same-day window", lunch, "2026-03-03 13:30", false, ""},
		// 29 March 2026: Berlin's clocks go from 02:00 to 03:00; the end
		// is still 08:00 on the wall.
		{"the night the clocks change", night, "2026-03-28 23:00", true, "2026-03-29 08:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			until, in := quietUntil(at(c.now).UTC(), berlin, c.q)
			if in != c.in {
				t.Fatalf("in quiet hours: %v, want %v", in, c.in)
			}
			if in && !until.Equal(at(c.until)) {
				t.Errorf("until %s, want %s", until.In(berlin), c.until)
			}
		})
	}
	off, _ := parseQuietHours("")
	if _, in := quietUntil(at("2026-03-02 23:00"), berlin, off); in {
		t.Error("no quiet hours, yet quiet")
	}
	for _, bad := range []string{"21-08", "21:00", "25:00-08:00", "08:00-08:00", "x"} {
		if _, err := parseQuietHours(bad); err == nil {
			t.Errorf("parseQuietHours(%q) accepted", bad)
		}
	}
}

// TestRewriteLinks: every <a href> goes through link, the pixel lands
// before </body>, and everything else is kept byte for byte.
func TestRewriteLinks(t *testing.T) {
	doc := `<html><body><p class="x">Hi &amp; <b>welcome</b></p><a href="https://a.example/x?a=1&amp;b=2">A</a> <a name="n">N</a></body></html>`
	var seen []string
	out, err := rewriteLinks(doc, func(h string) string { seen = append(seen, h); return "https://t.example/c?t=1&u=2" }, `<img src="p">`)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "https://a.example/x?a=1&b=2" {
		t.Errorf("links seen %q: want the one href, unescaped", seen)
	}
	want := `<html><body><p class="x">Hi &amp; <b>welcome</b></p><a href="https://t.example/c?t=1&amp;u=2">A</a> <a name="n">N</a><img src="p"></body></html>`
	if out != want {
		t.Errorf("rewritten:\n%s\nwant\n%s", out, want)
	}
	frag, _ := rewriteLinks(`<p>no body</p>`, func(h string) string { return h }, `<img src="p">`)
	if !strings.HasSuffix(frag, `<img src="p">`) {
		t.Errorf("a fragment gets the pixel at its end: %s", frag)
	}
}

// TestLinkTokens: a token verifies for its purpose only, and any change
// to it is refused.
func TestLinkTokens(t *testing.T) {
	s := &Service{}
	var err error
	if s.rules, err = newRules(Rules{LinkSecret: []byte("0123456789abcdef0123456789abcdef")}); err != nil {
		t.Fatal(err)
	}
	tok := s.sign("unsubscribe", "42|EMAIL|marketing")
	if p, err := s.verify("unsubscribe", tok); err != nil || p != "42|EMAIL|marketing" {
		t.Fatalf("verify = %q, %v", p, err)
	}
	if _, err := s.verify("click", tok); err == nil {
		t.Error("an unsubscribe token verified as a click token")
	}
	forged := s.sign("unsubscribe", "43|EMAIL|marketing")
	payload, _, _ := strings.Cut(forged, ".")
	_, mac, _ := strings.Cut(tok, ".")
	if _, err := s.verify("unsubscribe", payload+"."+mac); err == nil {
		t.Error("another customer's payload under this token's signature verified")
	}
	other := &Service{}
	other.rules, _ = newRules(Rules{LinkSecret: []byte("another secret, another server..")})
	if _, err := other.verify("unsubscribe", tok); err == nil {
		t.Error("a token of another secret verified")
	}
}
