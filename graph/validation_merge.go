package graph

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// Bounds of the field-merge check (see mergeableFields).
const (
	// MaxSelectionFields bounds the fields one selection set may hold once
	// its inline fragments and fragment spreads are expanded. No screen
	// needs more; the refusal is one error.
	MaxSelectionFields = 500
	// MaxFieldShapes bounds how many different fields (after identical ones
	// are collapsed) may share one response name in one selection set. A
	// client that spreads several fragments which each select `customer {
	// ... }` differently needs a few; 500 alternating `a: orders(first: 1)`
	// / `a: orders(first: 2)` collapse to 2 and get one conflict error. Past
	// the bound the document gets one error, not one per pair.
	MaxFieldShapes = 16
	// MaxMergeWork bounds the steps (a field collected into a set, or two
	// fields compared) the check may take for one document, whatever its
	// shape; past it the document gets one error. The web demo's operations
	// take well under a hundred.
	MaxMergeWork = 20_000
)

// mergeableFields is aftercart's OverlappingFieldsCanBeMerged: it enforces
// the same rule as gqlparser's (GraphQL spec 5.3.2, "Field Selection
// Merging": fields that share a response name must be the same field with
// the same arguments, or be on different object types, and return
// compatible shapes), at a cost bounded by construction rather than
// quadratic in the fields of a selection set:
//
//   - Fields are grouped by response name first: fields under different
//     names never conflict, so they are never compared.
//   - Within a name, structurally identical fields (same parent type, name,
//     arguments, directives and, recursively, sub-selection; compared by a
//     keyed 64-bit hash) collapse into one before any comparison: 500 copies
//     of a field cost one.
//   - Each comparison of two distinct fields is memoized by their structural
//     hashes, so identical sub-trees met again (a fragment spread in many
//     places, the same nesting repeated) are compared once; a selection set
//     whose structure was already checked is not checked again.
//   - A name with more than MaxFieldShapes distinct fields, a selection set
//     of more than MaxSelectionFields fields, or a document needing more
//     than MaxMergeWork steps is refused with one error and the check stops.
//
// Like gqlparser's rule, two fields compared "between" two selection sets
// inherit mutual exclusivity from their parents (fields under different
// object types need only return compatible shapes), and every selection set
// of an operation or fragment is checked "within". Inline fragments are
// flattened into the enclosing set, which covers the pairs gqlparser checks
// again per inline fragment (a 900-deep nest of them was quadratic there).
// It reports each conflict once per distinct selection-set structure, where
// gqlparser reports it once per pair of fields.
func mergeableFields(observers *core.Events, addError core.AddErrFunc) {
	m := &merger{
		addError:  addError,
		keys:      map[*ast.Field]uint64{},
		setKeys:   map[setID]uint64{},
		collected: map[setID]*collectedSet{},
		fragments: map[string]*collectedSet{},
		expanding: map[string]bool{},
		compared:  map[pairKey]*conflict{},
		checked:   map[uint64]bool{},
	}
	observers.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
		m.schema = w.Schema
		m.doc = w.Document
		m.checkTree(op.SelectionSet)
	})
	observers.OnFragment(func(w *core.Walker, f *ast.FragmentDefinition) {
		m.schema = w.Schema
		m.doc = w.Document
		m.checkTree(f.SelectionSet)
	})
}

// merger is mergeableFields' state for one document.
type merger struct {
	schema   *ast.Schema
	doc      *ast.QueryDocument
	addError core.AddErrFunc
	work     int
	stopped  bool // refused with one error: check nothing more

	keys         map[*ast.Field]uint64    // structural hash of a field
	setKeys      map[setID]uint64         // structural hash of a selection set
	collected    map[setID]*collectedSet  // a selection set's fields, flattened
	fragments    map[string]*collectedSet // a fragment's fields, flattened
	expanding    map[string]bool          // fragments being flattened (cycles)
	fragmentDefs map[string]*ast.FragmentDefinition
	compared     map[pairKey]*conflict // memo of compare
	checked      map[uint64]bool       // selection-set structures checked within
}

// setID identifies a selection set in the document: a slice header cannot
// be a map key, and two slices with the same first element and length are
// the same view of the same memory.
type setID struct {
	first *ast.Selection
	n     int
}

func idOf(set ast.SelectionSet) setID {
	if len(set) == 0 {
		return setID{}
	}
	return setID{first: &set[0], n: len(set)}
}

// entry is one distinct field of a collected set.
type entry struct {
	field *ast.Field
	key   uint64
}

// collectedSet is a selection set's fields with inline fragments and
// fragment spreads expanded, grouped by response name, identical ones
// collapsed.
type collectedSet struct {
	names   []string // response names in document order
	byName  map[string][]entry
	entries int // distinct fields
	fields  int // fields before collapsing, for MaxSelectionFields
}

// pairKey memoizes a comparison; a < b.
type pairKey struct {
	a, b      uint64
	exclusive bool
}

// conflict is why two fields cannot merge: a message, or the conflicts of
// their sub-fields.
type conflict struct {
	responseName string
	message      string
	subs         []*conflict
	at           *ast.Position
}

// stop refuses the document with one error and ends the check.
func (m *merger) stop(at *ast.Position, format string, args ...any) {
	if m.stopped {
		return
	}
	m.stopped = true
	m.addError(core.Message(format, args...), core.At(at))
}

// spend counts n steps of work, stopping the check past MaxMergeWork.
func (m *merger) spend(n int, at *ast.Position) bool {
	m.work += n
	if m.work > MaxMergeWork {
		m.stop(at, "the document is too complex to validate: checking that its fields can merge takes more than %d steps", MaxMergeWork)
	}
	return !m.stopped
}

// checkTree checks set "within", then every selection set nested in it.
func (m *merger) checkTree(set ast.SelectionSet) {
	if m.stopped || len(set) == 0 {
		return
	}
	key := m.setKey(set)
	if m.checked[key] {
		return
	}
	m.checked[key] = true
	c := m.collect(set)
	if c == nil {
		return
	}
	for _, name := range c.names {
		es := c.byName[name]
		for i := range es {
			for j := i + 1; j < len(es); j++ {
				if cf := m.compare(es[i], es[j], false); cf != nil && !m.stopped {
					m.report(cf)
				}
				if m.stopped {
					return
				}
			}
		}
	}
	for _, name := range c.names {
		for _, e := range c.byName[name] {
			m.checkTree(e.field.SelectionSet)
		}
	}
}

// collect flattens set (memoized per selection set); nil once stopped.
func (m *merger) collect(set ast.SelectionSet) *collectedSet {
	id := idOf(set)
	if c, ok := m.collected[id]; ok {
		return c
	}
	c := &collectedSet{byName: map[string][]entry{}}
	m.flatten(c, set)
	if m.stopped {
		return nil
	}
	m.collected[id] = c
	return c
}

// flatten adds set's fields to c, expanding fragments.
func (m *merger) flatten(c *collectedSet, set ast.SelectionSet) {
	for _, sel := range set {
		if m.stopped {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			m.add(c, entry{field: s, key: m.fieldKey(s)})
		case *ast.InlineFragment:
			m.flatten(c, s.SelectionSet)
		case *ast.FragmentSpread:
			f := m.fragment(s.Name)
			if f == nil {
				continue // unknown, or a cycle: other rules report those
			}
			for _, name := range f.names {
				for _, e := range f.byName[name] {
					m.add(c, e)
				}
			}
			// Fields collapsed inside the fragment still count.
			c.fields += f.fields - f.entries
			if c.fields > MaxSelectionFields {
				m.stop(s.Position, "a selection set has more than %d fields", MaxSelectionFields)
			}
		}
	}
}

// add puts e into c unless an identical field is there already.
func (m *merger) add(c *collectedSet, e entry) {
	at := e.field.Position
	if !m.spend(1, at) {
		return
	}
	c.fields++
	if c.fields > MaxSelectionFields {
		m.stop(at, "a selection set has more than %d fields", MaxSelectionFields)
		return
	}
	name := responseName(e.field)
	es, ok := c.byName[name]
	if !ok {
		c.names = append(c.names, name)
	}
	for _, x := range es {
		if x.key == e.key {
			return
		}
	}
	if len(es) == MaxFieldShapes {
		m.stop(at, `more than %d different fields share the response name "%s" in one selection set; give them different aliases`, MaxFieldShapes, name)
		return
	}
	c.byName[name] = append(es, e)
	c.entries++
}

// fragment returns the named fragment's fields, flattened once per
// document; nil for an unknown fragment or one met again inside itself.
func (m *merger) fragment(name string) *collectedSet {
	if c, ok := m.fragments[name]; ok {
		return c
	}
	if m.fragmentDefs == nil {
		m.fragmentDefs = make(map[string]*ast.FragmentDefinition, len(m.doc.Fragments))
		for _, f := range m.doc.Fragments {
			if _, dup := m.fragmentDefs[f.Name]; !dup {
				m.fragmentDefs[f.Name] = f // the first, as ForName does
			}
		}
	}
	def := m.fragmentDefs[name]
	if def == nil || m.expanding[name] {
		return nil
	}
	m.expanding[name] = true
	c := &collectedSet{byName: map[string][]entry{}}
	m.flatten(c, def.SelectionSet)
	delete(m.expanding, name)
	if m.stopped {
		return nil
	}
	m.fragments[name] = c
	return c
}

// compare reports why a and b, which share a response name, cannot merge;
// nil if they can. exclusive says their parents can never both apply to
// one object, which waives the same-field-same-arguments requirement.
func (m *merger) compare(a, b entry, exclusive bool) *conflict {
	if a.key == b.key {
		// Identical fields: any conflict is within their sub-selection,
		// which checkTree checks on its own.
		return nil
	}
	if a.field.ObjectDefinition == nil || b.field.ObjectDefinition == nil {
		return nil // an unknown parent type: other rules report it
	}
	k := pairKey{a: a.key, b: b.key, exclusive: exclusive}
	if k.a > k.b {
		k.a, k.b = k.b, k.a
	}
	if cf, ok := m.compared[k]; ok {
		return cf
	}
	if !m.spend(1, b.field.Position) {
		return nil
	}
	// Recorded as "no conflict" while in progress: a fragment cycle must not
	// recurse forever (NoFragmentCycles reports it).
	m.compared[k] = nil
	cf := m.conflictOf(a, b, exclusive)
	m.compared[k] = cf
	return cf
}

func (m *merger) conflictOf(a, b entry, exclusive bool) *conflict {
	fa, fb := a.field, b.field
	name := responseName(fa)
	if !exclusive {
		exclusive = fa.ObjectDefinition.Name != fb.ObjectDefinition.Name &&
			fa.ObjectDefinition.Kind == ast.Object && fb.ObjectDefinition.Kind == ast.Object &&
			fa.Definition != nil && fb.Definition != nil
	}
	if !exclusive {
		if fa.Name != fb.Name {
			return &conflict{responseName: name, at: fb.Position,
				message: fmt.Sprintf(`"%s" and "%s" are different fields`, fa.Name, fb.Name)}
		}
		if !sameArguments(fa.Arguments, fb.Arguments) {
			return &conflict{responseName: name, at: fb.Position, message: "they have differing arguments"}
		}
	}
	if fa.Definition != nil && fb.Definition != nil && m.typesConflict(fa.Definition.Type, fb.Definition.Type) {
		return &conflict{responseName: name, at: fb.Position,
			message: fmt.Sprintf(`they return conflicting types "%s" and "%s"`, fa.Definition.Type.String(), fb.Definition.Type.String())}
	}
	if len(fa.SelectionSet) == 0 || len(fb.SelectionSet) == 0 {
		return nil
	}
	ca, cb := m.collect(fa.SelectionSet), m.collect(fb.SelectionSet)
	if ca == nil || cb == nil {
		return nil
	}
	// Only names in both sets can conflict: look up the smaller set's
	// names in the larger one, and pay for every pair.
	small, large, swapped := ca, cb, false
	if len(cb.names) < len(ca.names) {
		small, large, swapped = cb, ca, true
	}
	if !m.spend(len(small.names), fb.Position) {
		return nil
	}
	var subs []*conflict
	for _, n := range small.names {
		xs, ys := small.byName[n], large.byName[n]
		if len(ys) == 0 {
			continue
		}
		if swapped {
			xs, ys = ys, xs
		}
		if !m.spend(len(xs)*len(ys), fb.Position) {
			return nil
		}
		for _, x := range xs {
			for _, y := range ys {
				if cf := m.compare(x, y, exclusive); cf != nil {
					subs = append(subs, cf)
				}
				if m.stopped {
					return nil
				}
			}
		}
	}
	if subs == nil {
		return nil
	}
	return &conflict{responseName: name, subs: subs, at: fb.Position}
}

// typesConflict reports whether two field types cannot both describe one
// value: list and non-null wrappers must match, and leaf types be equal;
// composite types are compared field by field later.
func (m *merger) typesConflict(t1, t2 *ast.Type) bool {
	if t1.NonNull != t2.NonNull || (t1.Elem == nil) != (t2.Elem == nil) {
		return true
	}
	if t1.Elem != nil {
		return m.typesConflict(t1.Elem, t2.Elem)
	}
	d1, d2 := m.schema.Types[t1.NamedType], m.schema.Types[t2.NamedType]
	if d1 == nil || d2 == nil {
		return false // an unknown type: other rules report it
	}
	if d1.IsLeafType() || d2.IsLeafType() {
		return d1.Name != d2.Name
	}
	return false
}

// maxConflictMessage bounds one conflict's message: a deep chain of
// conflicting sub-fields would otherwise repeat the whole path.
const maxConflictMessage = 400

// report adds cf as one error, worded like gqlparser's.
func (m *merger) report(cf *conflict) {
	var buf bytes.Buffer
	cf.write(&buf)
	reason := buf.String()
	if len(reason) > maxConflictMessage {
		reason = strings.ToValidUTF8(reason[:maxConflictMessage], "") + "…"
	}
	m.addError(core.Message(`Fields "%s" conflict because %s. Use different aliases on the fields to fetch both if this was intentional.`, cf.responseName, reason), core.At(cf.at))
}

func (cf *conflict) write(buf *bytes.Buffer) {
	if len(cf.subs) == 0 {
		buf.WriteString(cf.message)
		return
	}
	for i, s := range cf.subs {
		if buf.Len() > maxConflictMessage {
			return
		}
		if i > 0 {
			buf.WriteString(" and ")
		}
		fmt.Fprintf(buf, `subfields "%s" conflict because `, s.responseName)
		s.write(buf)
	}
}

func responseName(f *ast.Field) string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}
