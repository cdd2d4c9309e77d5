package db

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lib/pq"
)

func TestWithSSLHint(t *testing.T) {
	refused := fmt.Errorf("db: migration lock: %w", pq.ErrSSLNotSupported)
	got := WithSSLHint(refused)
	if !errors.Is(got, pq.ErrSSLNotSupported) || !strings.Contains(got.Error(), refused.Error()) || !strings.Contains(got.Error(), "?sslmode=disable") {
		t.Errorf("WithSSLHint(%v) = %v; want the original error, still matchable, plus the hint", refused, got)
	}
	other := errors.New("pq: password authentication failed")
	if got := WithSSLHint(other); got != other {
		t.Errorf("WithSSLHint changed an unrelated error: %v", got)
	}
	if WithSSLHint(nil) != nil {
		t.Error("WithSSLHint(nil) is not nil")
	}
}
