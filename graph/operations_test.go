package graph_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/graph/cost"
)

// TestClientOperationsValidate checks every operation the web-demo sends
// (web-demo/src/**/*.graphql: the clients' contract) against the schema,
// including the cost rules (connections need first/last in 1..100).
func TestClientOperationsValidate(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	var files []string
	err := filepath.WalkDir(filepath.Join("..", "web-demo", "src"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".graphql") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .graphql operations found under web-demo/src")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			doc, errs := gqlparser.LoadQueryWithRules(schema, string(src), rules.NewDefaultRules())
			if errs != nil {
				t.Fatalf("%s does not validate against the schema: %v", f, errs)
			}
			for _, op := range doc.Operations {
				// With no variables given: page sizes must be literals or
				// variable defaults, so every client request is bounded.
				if _, err := cost.Calculate(schema, op, nil); err != nil {
					t.Errorf("%s %s: %v", f, op.Name, err)
				}
			}
		})
	}
}
