package demo_test

import (
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/categorycontent"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/server/demo"
)

// TestSeedCatalog: after the demo orders, coffee has complements, the
// grinder its own care content and the Coffee category a brew guide; a
// second call (a restart) writes nothing.
func TestSeedCatalog(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		e.mustSeed(t, time.Now())
		if err := demo.SeedCatalog(sys, e.db); err != nil {
			t.Fatal(err)
		}
		names, err := e.db.Product.Query().Where(product.Sku("NR-COF-YIRG-250")).QueryComplements().
			Order(product.ByName()).Select(product.FieldName).Strings(sys)
		if err != nil || len(names) != 2 {
			t.Fatalf("the Yirgacheffe's complements: %v, %v", names, err)
		}
		grinder := e.db.Product.Query().Where(product.Sku("NR-EQP-GRINDER")).OnlyX(sys)
		if grinder.ContentURL == nil || grinder.ContentText == nil {
			t.Errorf("the grinder has no content: %+v", grinder)
		}
		if ok := e.db.CategoryContent.Query().Where(categorycontent.Category("coffee")).ExistX(sys); !ok {
			t.Error("no content for the Coffee category")
		}
		e.writes.Store(0)
		if err := demo.SeedCatalog(sys, e.db); err != nil {
			t.Fatal(err)
		}
		if n := e.writes.Load(); n != 0 {
			t.Errorf("a second SeedCatalog wrote %d statements", n)
		}
	})
}
