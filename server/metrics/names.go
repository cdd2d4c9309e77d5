package metrics

import (
	"strings"
	"sync"
)

// Bounds on operation names, which clients choose.
const (
	// MaxOperationNames is how many distinct operation names get their own
	// series; later ones are counted as "other". An app has a few dozen.
	MaxOperationNames = 100
	// MaxNameLength is the longest operation name kept, in bytes.
	MaxNameLength = 64
)

// Operation label values that are not names.
const (
	// NameAnonymous labels operations without a name.
	NameAnonymous = "anonymous"
	// NameOther labels operations whose name has no series of its own.
	NameOther = "other"
)

// CleanName returns name if it is a GraphQL name (/[_A-Za-z][_0-9A-Za-z]*/)
// of at most MaxNameLength bytes, NameAnonymous if it is empty, and
// NameOther otherwise: a name safe to log or to use as a label value
// (though not bounded in number; see Metrics.Operation).
func CleanName(name string) string {
	switch {
	case name == "":
		return NameAnonymous
	case len(name) > MaxNameLength || !isName(name):
		return NameOther
	}
	return name
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// outcomeLabel bounds the outcome label: "ok" or a code made of capitals,
// digits and underscores (every code the server sets), else "other".
func outcomeLabel(outcome string) string {
	if outcome == OutcomeOK {
		return outcome
	}
	if outcome == "" || len(outcome) > 40 || strings.TrimFunc(outcome, func(r rune) bool {
		return r == '_' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}) != "" {
		return OutcomeOther
	}
	return outcome
}

// nameSet admits the first max distinct operation names.
type nameSet struct {
	mu    sync.RWMutex
	names map[string]struct{}
	max   int
}

func newNameSet(max int) *nameSet { return &nameSet{names: map[string]struct{}{}, max: max} }

// label returns the label value for name. Only a valid operation may admit
// a new name: a request that fails to parse costs its sender nothing, so
// its names must not crowd out real ones.
func (s *nameSet) label(name string, valid bool) string {
	name = CleanName(name)
	if name == NameAnonymous || name == NameOther {
		return name
	}
	s.mu.RLock()
	_, ok := s.names[name]
	s.mu.RUnlock()
	if ok {
		return name
	}
	if !valid {
		return NameOther
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.names[name]; ok {
		return name
	}
	if len(s.names) >= s.max {
		return NameOther
	}
	s.names[name] = struct{}{}
	return name
}
