package graph

import (
	"encoding/binary"
	"hash/maphash"

	"github.com/vektah/gqlparser/v2/ast"
)

// hashSeed keys the structural hashes of mergeableFields. It is random per
// process, so a client cannot craft two different fields with the same hash
// (which would make the check skip a comparison).
var hashSeed = maphash.MakeSeed()

// sameArguments reports whether two argument lists are equal, in any order.
func sameArguments(a, b ast.ArgumentList) bool {
	if len(a) != len(b) {
		return false
	}
	byName := indexArguments(b)
	for _, x := range a {
		y := lookupArgument(b, byName, x.Name)
		if y == nil || !sameValue(x.Value, y.Value) {
			return false
		}
	}
	return true
}

// smallList is the length up to which a linear search beats a map.
const smallList = 8

func indexArguments(args ast.ArgumentList) map[string]*ast.Argument {
	if len(args) <= smallList {
		return nil
	}
	m := make(map[string]*ast.Argument, len(args))
	for _, a := range args {
		if _, dup := m[a.Name]; !dup {
			m[a.Name] = a
		}
	}
	return m
}

func lookupArgument(args ast.ArgumentList, byName map[string]*ast.Argument, name string) *ast.Argument {
	if byName != nil {
		return byName[name]
	}
	return args.ForName(name)
}

// sameValue compares two values; input object fields in any order.
func sameValue(a, b *ast.Value) bool {
	if a.Kind != b.Kind || a.Raw != b.Raw || len(a.Children) != len(b.Children) {
		return false
	}
	var byName map[string]*ast.ChildValue
	if a.Kind == ast.ObjectValue && len(b.Children) > smallList {
		byName = make(map[string]*ast.ChildValue, len(b.Children))
		for _, c := range b.Children {
			if _, dup := byName[c.Name]; !dup {
				byName[c.Name] = c
			}
		}
	}
	for i, x := range a.Children {
		var y *ast.ChildValue
		switch {
		case byName != nil:
			y = byName[x.Name]
		case a.Kind == ast.ObjectValue:
			for _, c := range b.Children {
				if c.Name == x.Name {
					y = c
					break
				}
			}
		default:
			y = b.Children[i]
		}
		if y == nil || x.Name != y.Name || !sameValue(x.Value, y.Value) {
			return false
		}
	}
	return true
}

// fieldKey is f's structural hash: parent type, response name, name,
// arguments, directives and sub-selection. Memoized per field, so hashing
// a document is linear in its size.
func (m *merger) fieldKey(f *ast.Field) uint64 {
	if k, ok := m.keys[f]; ok {
		return k
	}
	sub := m.setKey(f.SelectionSet)
	var h maphash.Hash
	h.SetSeed(hashSeed)
	h.WriteByte('F')
	if f.ObjectDefinition != nil {
		writeString(&h, f.ObjectDefinition.Name)
	}
	writeString(&h, responseName(f))
	writeString(&h, f.Name)
	writeArguments(&h, f.Arguments)
	writeDirectives(&h, f.Directives)
	writeUint(&h, sub)
	k := h.Sum64()
	m.keys[f] = k
	return k
}

// setKey is set's structural hash (memoized per selection set). A spread
// hashes by fragment name: within one document a name means one fragment.
func (m *merger) setKey(set ast.SelectionSet) uint64 {
	id := idOf(set)
	if k, ok := m.setKeys[id]; ok {
		return k
	}
	subs := make([]uint64, 0, len(set))
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			subs = append(subs, m.fieldKey(s))
		case *ast.InlineFragment:
			var h maphash.Hash
			h.SetSeed(hashSeed)
			h.WriteByte('I')
			writeString(&h, s.TypeCondition)
			writeDirectives(&h, s.Directives)
			writeUint(&h, m.setKey(s.SelectionSet))
			subs = append(subs, h.Sum64())
		case *ast.FragmentSpread:
			var h maphash.Hash
			h.SetSeed(hashSeed)
			h.WriteByte('S')
			writeString(&h, s.Name)
			writeDirectives(&h, s.Directives)
			subs = append(subs, h.Sum64())
		}
	}
	var h maphash.Hash
	h.SetSeed(hashSeed)
	h.WriteByte('{')
	for _, k := range subs {
		writeUint(&h, k)
	}
	k := h.Sum64()
	m.setKeys[id] = k
	return k
}

func writeString(h *maphash.Hash, s string) {
	writeUint(h, uint64(len(s)))
	h.WriteString(s)
}

func writeUint(h *maphash.Hash, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	h.Write(b[:])
}

func writeArguments(h *maphash.Hash, args ast.ArgumentList) {
	writeUint(h, uint64(len(args)))
	for _, a := range args {
		writeString(h, a.Name)
		writeValue(h, a.Value)
	}
}

func writeDirectives(h *maphash.Hash, ds ast.DirectiveList) {
	writeUint(h, uint64(len(ds)))
	for _, d := range ds {
		writeString(h, d.Name)
		writeArguments(h, d.Arguments)
	}
}

func writeValue(h *maphash.Hash, v *ast.Value) {
	if v == nil {
		h.WriteByte(0)
		return
	}
	h.WriteByte(byte(v.Kind) + 1)
	writeString(h, v.Raw)
	writeUint(h, uint64(len(v.Children)))
	for _, c := range v.Children {
		writeString(h, c.Name)
		writeValue(h, c.Value)
	}
}
