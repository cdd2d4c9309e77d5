package auth

import (
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aftercart/aftercart/server/errs"
)

// TestVerifyRemembersUntilExactExpiry: a remembered token is valid up to
// the last instant before its exp claim and refused at exp, with the
// library's own "token expired", as an unremembered one is.
func TestVerifyRemembersUntilExactExpiry(t *testing.T) {
	iss := MustIssuer(t, testSecret)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	iss.now = func() time.Time { return now }
	tok := MustIssue(t, iss, RoleCustomer, "ann@example.com", time.Hour)
	exp := now.Add(time.Hour)

	first, err := iss.Verify(tok)
	if err != nil || iss.verified.Len() != 1 {
		t.Fatalf("first Verify = %v, %d remembered; want ok, 1", err, iss.verified.Len())
	}
	for _, at := range []time.Time{now, exp.Add(-time.Second), exp.Add(-time.Nanosecond)} {
		now = at
		v, err := iss.Verify(tok)
		if err != nil || *v != *first {
			t.Errorf("Verify at exp%+v = %+v, %v; want %+v", at.Sub(exp), v, err, first)
		}
	}
	for _, at := range []time.Time{exp, exp.Add(time.Nanosecond), exp.Add(time.Hour)} {
		now = at
		v, err := iss.Verify(tok)
		if e, ok := errs.As(err); v != nil || !ok || e.Code != errs.Unauthenticated || e.Message != "token expired" {
			t.Errorf("Verify at exp+%v = %+v, %v; want UNAUTHENTICATED token expired", at.Sub(exp), v, err)
		}
		if n := iss.verified.Len(); n != 0 {
			t.Errorf("an expired token is still remembered (%d entries)", n)
		}
	}
	// A clock that goes back makes the token valid again, verified in full.
	now = exp.Add(-time.Minute)
	if _, err := iss.Verify(tok); err != nil {
		t.Errorf("Verify before exp after a refusal: %v", err)
	}
}

// TestVerifyRememberedIsACopy: callers fill in CustomerID on the viewer
// they get; another request with the same token must not see it.
func TestVerifyRememberedIsACopy(t *testing.T) {
	iss := MustIssuer(t, testSecret)
	tok := MustIssue(t, iss, RoleCustomer, "ann@example.com", time.Hour)
	v1, err := iss.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	v1.CustomerID = 42
	v2, err := iss.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if v2 == v1 || v2.CustomerID != 0 || v2.Email != "ann@example.com" || v2.Role != RoleCustomer {
		t.Errorf("second Verify = %p %+v, first %p: want a fresh viewer without CustomerID", v2, v2, v1)
	}
}

// TestVerifyRemembersOnlyGoodTokens: refused tokens, a tampered copy of a
// remembered one, and tokens with a not-before claim are never remembered,
// and a remembered token does not make its tampered copy pass.
func TestVerifyRemembersOnlyGoodTokens(t *testing.T) {
	iss := MustIssuer(t, testSecret)
	tok := MustIssue(t, iss, RoleCustomer, "ann@example.com", time.Hour)
	if _, err := iss.Verify(tok); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	withNbf := MustSign(t, jwt.SigningMethodHS256, testSecret, claims{Role: "ADMIN", RegisteredClaims: jwt.RegisteredClaims{
		Subject: "admin", Issuer: TokenIssuer, ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
	}})
	if _, err := iss.Verify(withNbf); err != nil {
		t.Fatalf("token with a past nbf: %v", err)
	}
	refused := []string{tamper(t, tok), tok + "x", tok[:len(tok)-1], "", "not.a.jwt",
		MustIssue(t, MustIssuer(t, []byte("another-secret-another-secret-xx")), RoleAdmin, "", time.Hour)}
	for range 2 {
		for _, bad := range refused {
			if v, err := iss.Verify(bad); err == nil || v != nil {
				t.Errorf("Verify(%.40q…) = %+v, %v; want an error", bad, v, err)
			}
		}
	}
	if n := iss.verified.Len(); n != 1 {
		t.Errorf("%d tokens remembered, want 1 (the good token only)", n)
	}
}

// TestVerifyCacheBounded: the cache keeps at most verifiedCacheSize tokens,
// dropping the least recently used.
func TestVerifyCacheBounded(t *testing.T) {
	iss := MustIssuer(t, testSecret)
	first := MustIssue(t, iss, RoleCustomer, "first@example.com", time.Hour)
	if _, err := iss.Verify(first); err != nil {
		t.Fatal(err)
	}
	for i := range verifiedCacheSize {
		if _, err := iss.Verify(MustIssue(t, iss, RoleCustomer, fmt.Sprintf("c%d@example.com", i), time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if n := iss.verified.Len(); n != verifiedCacheSize {
		t.Errorf("%d tokens remembered, want %d", n, verifiedCacheSize)
	}
	// The oldest was dropped, and still verifies (in full).
	if v, err := iss.Verify(first); err != nil || v.Email != "first@example.com" {
		t.Errorf("Verify of an evicted token = %+v, %v", v, err)
	}
}

// BenchmarkVerify compares a token verified in full with a remembered one.
func BenchmarkVerify(b *testing.B) {
	iss := MustIssuer(b, testSecret)
	tok := MustIssue(b, iss, RoleCustomer, "ann@example.com", time.Hour)
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := iss.verify(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := iss.Verify(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
