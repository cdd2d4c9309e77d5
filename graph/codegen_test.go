package graph_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aftercart/aftercart/graph"
)

// TestGeneratedCodeIsFresh regenerates ent, entgql's schema/ent.graphql and
// gqlgen's executor in a copy of the repository and fails if any file
// differs: generated code is committed and never edited by hand.
func TestGeneratedCodeIsFresh(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	skip := map[string]bool{".git": true, "data": true, "node_modules": true, "web-demo": true, ".tmp": true}
	copyTree(t, root, tmp, skip)

	cmd := exec.Command("go", "generate", "./ent")
	cmd.Dir = tmp
	// -trimpath, as in the README's test command: without it the build
	// cache keys every package of this module by its directory, so the
	// copy recompiled ent (and all it imports) from scratch for entc's and
	// gqlgen's package loads; with it the copy's packages are the ones the
	// test command compiled already (whole test 204 s -> 74 s of CPU).
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -trimpath")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go generate: %v\n%s", err, out)
	}
	var drift []string
	_ = filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(tmp, path)
		regenerated, _ := os.ReadFile(path)
		committed, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			drift = append(drift, rel+" (new)")
		} else if !bytes.Equal(regenerated, committed) {
			drift = append(drift, rel)
		}
		return nil
	})
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if skip[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if _, err := os.Stat(filepath.Join(tmp, rel)); err != nil {
			drift = append(drift, rel+" (deleted by generation)")
		}
		return nil
	})
	if len(drift) > 0 {
		t.Fatalf("regenerating changes these files; run `go generate ./ent` and commit:\n  %s", strings.Join(drift, "\n  "))
	}
}

func copyTree(t *testing.T, from, to string, skip map[string]bool) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			if skip[d.Name()] && rel != "." {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		if !d.Type().IsRegular() || strings.HasSuffix(rel, ".test") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSchemaIsDocumented fails for any type, field, argument, input field or
// enum value of the API without a description.
func TestSchemaIsDocumented(t *testing.T) {
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	var missing []string
	for name, def := range s.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if strings.TrimSpace(def.Description) == "" {
			missing = append(missing, name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if strings.TrimSpace(f.Description) == "" {
				missing = append(missing, name+"."+f.Name)
			}
			for _, a := range f.Arguments {
				if strings.TrimSpace(a.Description) == "" {
					missing = append(missing, name+"."+f.Name+"("+a.Name+")")
				}
			}
		}
		if def.Kind == ast.Enum {
			for _, v := range def.EnumValues {
				if strings.TrimSpace(v.Description) == "" {
					missing = append(missing, name+"."+v.Name)
				}
			}
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d schema elements have no description:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}
