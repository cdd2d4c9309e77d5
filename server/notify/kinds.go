package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
)

// kindSpec is what the outbox knows of one message kind: how to read its
// variables, a sample of them, and whether a message of the kind is still
// wanted when its time comes. Each journey registers its kinds from its
// own file (registerKind in an init function), so adding a journey never
// edits the dispatcher.
type kindSpec struct {
	// sample is a value of the kind's variables type with every field set
	// and every list filled: Validate renders templates against it.
	sample any
	// variants, when set, are further samples, one per variant of a kind
	// whose templates branch on which variant a message is (the order
	// confirmation's): Validate renders each, so every branch runs.
	variants []any
	// vars reads a message's variables through c (as the system).
	vars func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error)
	// check, when set, runs before a message's first attempt, in the
	// dispatcher's transaction: a non-empty skip records the message as
	// SKIPPED with that reason (the review was written already, the
	// order was returned) and sends nothing.
	check func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (skip string, err error)
}

// kinds are the registered kinds. Written only by init functions.
var kinds = map[message.Kind]kindSpec{}

// registerKind registers kind's spec; call it from an init function.
func registerKind(kind message.Kind, spec kindSpec) {
	if _, dup := kinds[kind]; dup {
		panic(fmt.Sprintf("notify: kind %s registered twice", kind))
	}
	if spec.sample == nil || spec.vars == nil {
		panic(fmt.Sprintf("notify: kind %s needs a sample and vars", kind))
	}
	kinds[kind] = spec
}

// A verdict is what a gate decides about a message before its first
// attempt: send it (the zero verdict), skip it for a reason, or let it
// wait until a later time (quiet hours, the gap between two messages of
// a journey).
type verdict struct {
	// skip, when set, records the message SKIPPED with this reason.
	skip string
	// wait, when after now, puts the message back to wait until then.
	wait time.Time
}

// A gate is a rule every message meets before its first attempt: consent,
// quiet hours, the weekly cap, the gap between two messages of one
// journey. Gates run in the dispatcher's transaction, in the order they
// were added, after the kind's own check; the first that skips or waits
// decides.
type gate func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (verdict, error)

// gates are the registered gates, in order. Written only by init
// functions (addGate).
var gates []namedGate

// namedGate is a gate and its name, for tests and logs.
type namedGate struct {
	name string
	fn   gate
}

// addGate appends a gate; call it from an init function.
func addGate(name string, fn gate) { gates = append(gates, namedGate{name, fn}) }

// decide runs m's kind check and the gates, in tx.
func (s *Service) decide(ctx context.Context, tx *ent.Tx, m *ent.Message) (verdict, error) {
	if spec, ok := kinds[m.Kind]; ok && spec.check != nil {
		skip, err := spec.check(ctx, s, tx, m)
		if err != nil || skip != "" {
			return verdict{skip: skip}, err
		}
	}
	for _, g := range gates {
		v, err := g.fn(ctx, s, tx, m)
		if err != nil {
			return verdict{}, fmt.Errorf("notify: gate %s: %w", g.name, err)
		}
		if v.skip != "" || v.wait.After(s.now()) {
			return v, nil
		}
	}
	return verdict{}, nil
}
