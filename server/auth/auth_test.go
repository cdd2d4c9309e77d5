package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aftercart/aftercart/server/errs"
)

// testSecret is 32 bytes, the shortest secret NewIssuer accepts.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// MustIssuer returns an Issuer for secret or fails the test.
func MustIssuer(tb testing.TB, secret []byte) *Issuer {
	tb.Helper()
	iss, err := NewIssuer(secret)
	if err != nil {
		tb.Fatalf("NewIssuer: %v", err)
	}
	return iss
}

// MustIssue returns a token from iss or fails the test.
func MustIssue(tb testing.TB, iss *Issuer, role Role, email string, ttl time.Duration) string {
	tb.Helper()
	tok, err := iss.Issue(role, email, ttl)
	if err != nil {
		tb.Fatalf("Issue(%s, %q): %v", role, email, err)
	}
	return tok
}

// MustSign signs arbitrary claims with the test secret, to forge tokens that
// Issue refuses to produce.
func MustSign(tb testing.TB, method jwt.SigningMethod, key any, c jwt.Claims) string {
	tb.Helper()
	tok, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		tb.Fatalf("sign: %v", err)
	}
	return tok
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    Role
		wantErr bool
	}{
		{"CUSTOMER", RoleCustomer, false},
		{"customer", RoleCustomer, false},
		{" Admin ", RoleAdmin, false},
		{"integration", RoleIntegration, false},
		{"", "", true},
		{"root", "", true},
		{"customers", "", true},
	}
	for _, tt := range tests {
		got, err := ParseRole(tt.in)
		if tt.wantErr {
			if errs.CodeOf(err) != errs.InvalidInput {
				t.Errorf("ParseRole(%q) error = %v, want INVALID_INPUT", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestViewerHelpers(t *testing.T) {
	tests := []struct {
		name                       string
		v                          *Viewer
		admin, staff, customerRole bool
	}{
		{"anonymous", nil, false, false, false},
		{"customer", &Viewer{Role: RoleCustomer}, false, false, true},
		{"admin", &Viewer{Role: RoleAdmin}, true, true, false},
		{"integration", &Viewer{Role: RoleIntegration}, false, true, false},
		{"zero", &Viewer{}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.IsAdmin(); got != tt.admin {
				t.Errorf("IsAdmin = %v", got)
			}
			if got := tt.v.IsStaff(); got != tt.staff {
				t.Errorf("IsStaff = %v", got)
			}
			if got := tt.v.IsCustomer(); got != tt.customerRole {
				t.Errorf("IsCustomer = %v", got)
			}
		})
	}
}

func TestContext(t *testing.T) {
	admin := &Viewer{Role: RoleAdmin, Subject: "admin"}
	tests := []struct {
		name       string
		ctx        context.Context
		wantViewer *Viewer
		wantSystem bool
	}{
		{"background", context.Background(), nil, false},
		{"viewer", NewContext(context.Background(), admin), admin, false},
		{"nil viewer stays anonymous", NewContext(context.Background(), nil), nil, false},
		{"system has no viewer", WithSystem(context.Background()), nil, true},
		{"system keeps an existing viewer", WithSystem(NewContext(context.Background(), admin)), admin, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := FromContext(tt.ctx)
			if v != tt.wantViewer || ok != (tt.wantViewer != nil) {
				t.Errorf("FromContext = %v, %v; want %v", v, ok, tt.wantViewer)
			}
			if got := IsSystem(tt.ctx); got != tt.wantSystem {
				t.Errorf("IsSystem = %v, want %v", got, tt.wantSystem)
			}
		})
	}
}

func TestNewIssuerSecretLength(t *testing.T) {
	tests := []struct {
		n       int
		wantErr bool
	}{{0, true}, {31, true}, {32, false}, {64, false}}
	for _, tt := range tests {
		_, err := NewIssuer(make([]byte, tt.n))
		if (err != nil) != tt.wantErr {
			t.Errorf("NewIssuer(%d bytes) error = %v, wantErr %v", tt.n, err, tt.wantErr)
		}
	}
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	iss := MustIssuer(t, testSecret)
	tests := []struct {
		role        Role
		email       string
		wantEmail   string
		wantSubject string
	}{
		{RoleCustomer, "ann@example.com", "ann@example.com", "ann@example.com"},
		{RoleCustomer, "  bob@example.com ", "bob@example.com", "bob@example.com"},
		{RoleAdmin, "", "", "admin"},
		{RoleAdmin, "ignored@example.com", "", "admin"},
		{RoleIntegration, "", "", "integration"},
	}
	for _, tt := range tests {
		t.Run(string(tt.role)+"/"+tt.email, func(t *testing.T) {
			before := time.Now().Truncate(time.Second)
			v, err := iss.Verify(MustIssue(t, iss, tt.role, tt.email, time.Hour))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Role != tt.role || v.Email != tt.wantEmail || v.Subject != tt.wantSubject || v.CustomerID != 0 {
				t.Errorf("Verify = %+v; want role %s, email %q, subject %q", v, tt.role, tt.wantEmail, tt.wantSubject)
			}
			if exp := before.Add(time.Hour); v.ExpiresAt.Before(exp) || v.ExpiresAt.After(exp.Add(2*time.Second)) {
				t.Errorf("ExpiresAt = %v, want about %v", v.ExpiresAt, exp)
			}
		})
	}
}

func TestIssueRejects(t *testing.T) {
	iss := MustIssuer(t, testSecret)
	tests := []struct {
		name      string
		role      Role
		email     string
		ttl       time.Duration
		wantField string
	}{
		{"unknown role", "ROOT", "", time.Hour, "role"},
		{"lower-case role", "admin", "", time.Hour, "role"},
		{"customer without email", RoleCustomer, "", time.Hour, "email"},
		{"customer with blank email", RoleCustomer, "  ", time.Hour, "email"},
		{"customer with malformed email", RoleCustomer, "ann", time.Hour, "email"},
		{"customer with display name", RoleCustomer, "Ann <ann@example.com>", time.Hour, "email"},
		{"zero ttl", RoleAdmin, "", 0, "ttl"},
		{"negative ttl", RoleAdmin, "", -time.Minute, "ttl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := iss.Issue(tt.role, tt.email, tt.ttl)
			e, ok := errs.As(err)
			if !ok || e.Code != errs.InvalidInput || e.Field != tt.wantField {
				t.Errorf("Issue error = %#v, want INVALID_INPUT on %q", err, tt.wantField)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	iss := MustIssuer(t, testSecret)
	now := time.Now()
	valid := func() claims {
		return claims{Role: "CUSTOMER", Email: "ann@example.com", RegisteredClaims: jwt.RegisteredClaims{
			Subject:   "ann@example.com",
			Issuer:    TokenIssuer,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		}}
	}
	with := func(f func(*claims)) claims { c := valid(); f(&c); return c }

	past := MustIssuer(t, testSecret)
	past.now = func() time.Time { return now.Add(-2 * time.Hour) }

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	// The forgeries below differ from valid() in one way each, so valid()
	// itself must pass, or they would prove nothing.
	if _, err := iss.Verify(MustSign(t, jwt.SigningMethodHS256, testSecret, valid())); err != nil {
		t.Fatalf("baseline token rejected: %v", err)
	}
	if _, err := iss.Verify(forgeAlg(t, "HS256", valid())); err != nil {
		t.Fatalf("forgeAlg baseline rejected: %v", err)
	}

	tests := []struct {
		name    string
		token   string
		wantMsg string
	}{
		{"empty", "", "invalid token"},
		{"garbage", "not.a.jwt", "invalid token"},
		{"expired", MustIssue(t, past, RoleAdmin, "", time.Hour), "token expired"},
		{"wrong secret", MustIssue(t, MustIssuer(t, []byte("another-secret-another-secret-xx")), RoleAdmin, "", time.Hour), "invalid token"},
		{"alg none", MustSign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid()), "invalid token"},
		{"HS512 with the right secret", MustSign(t, jwt.SigningMethodHS512, testSecret, valid()), "invalid token"},
		{"RS256", MustSign(t, jwt.SigningMethodRS256, rsaKey, valid()), "invalid token"},
		{"RS256 header, HMAC signature (key confusion)", forgeAlg(t, "RS256", valid()), "invalid token"},
		{"no exp", MustSign(t, jwt.SigningMethodHS256, testSecret, with(func(c *claims) { c.ExpiresAt = nil })), "invalid token"},
		{"wrong issuer", MustSign(t, jwt.SigningMethodHS256, testSecret, with(func(c *claims) { c.Issuer = "someone-else" })), "invalid token"},
		{"no issuer", MustSign(t, jwt.SigningMethodHS256, testSecret, with(func(c *claims) { c.Issuer = "" })), "invalid token"},
		{"not yet valid", MustSign(t, jwt.SigningMethodHS256, testSecret, with(func(c *claims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour)) })), "invalid token"},
		{"missing role", MustSign(t, jwt.SigningMethodHS256, testSecret, with(func(c *claims) { c.Role = "" })), "invalid token: bad role"},
		{"unknown role", MustSign(t, jwt.SigningMethodHS256, testSecret, with(func(c *claims) { c.Role = "ROOT" })), "invalid token: bad role"},
		{"customer without email", MustSign(t, jwt.SigningMethodHS256, testSecret, with(func(c *claims) { c.Email = "" })), "invalid token: customer without email"},
		{"tampered payload", tamper(t, MustIssue(t, iss, RoleCustomer, "ann@example.com", time.Hour)), "invalid token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := iss.Verify(tt.token)
			if v != nil {
				t.Errorf("Verify returned viewer %+v", v)
			}
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Unauthenticated || e.Message != tt.wantMsg {
				t.Errorf("Verify error = %#v, want UNAUTHENTICATED %q", err, tt.wantMsg)
			}
		})
	}
}

// forgeAlg builds a token whose header names alg but whose signature is
// HMAC-SHA256 with the test secret: what an attacker sends hoping the
// verifier picks its key by the header.
func forgeAlg(tb testing.TB, alg string, c jwt.Claims) string {
	tb.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["alg"] = alg
	unsigned, err := tok.SigningString()
	if err != nil {
		tb.Fatal(err)
	}
	sig, err := jwt.SigningMethodHS256.Sign(unsigned, testSecret)
	if err != nil {
		tb.Fatal(err)
	}
	return unsigned + "." + tok.EncodeSegment(sig)
}

// tamper promotes a customer token to admin without re-signing it.
func tamper(tb testing.TB, token string) string {
	tb.Helper()
	p := jwt.NewParser()
	var c claims
	parsed, parts, err := p.ParseUnverified(token, &c)
	if err != nil || len(parts) != 3 {
		tb.Fatalf("ParseUnverified: %v", err)
	}
	c.Role = string(RoleAdmin)
	parsed.Claims = c
	unsigned, err := parsed.SigningString()
	if err != nil {
		tb.Fatal(err)
	}
	return unsigned + "." + parts[2]
}
