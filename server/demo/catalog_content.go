package demo

import (
	"context"
	"fmt"

	entproduct "github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/server/auth"
	catalogs "github.com/aftercart/aftercart/server/catalog"
	"github.com/aftercart/aftercart/server/db"
)

// The demo's after-purchase catalog (issue 13): complements and care
// content on a few products and one category, so a newcomer sees them in
// the API (Product.complements, contentUrl, categoryContents) and in the
// REPLENISHMENT and CONTENT messages of the next deliveries.
var (
	// demoComplements: coffee suggests the grinder and filters, the
	// espresso the descaling tablets; tea the kettle.
	demoComplements = map[string][]string{
		"NR-COF-YIRG-250":   {"NR-EQP-GRINDER", "NR-FLT-V60-100"},
		"NR-COF-ESP-1000":   {"NR-EQP-GRINDER", "NR-CARE-DESCALE-8"},
		"NR-TEA-SENCHA-100": {"NR-EQP-KETTLE"},
	}
	// demoContent is product content, by SKU: link and text.
	demoContent = map[string][2]string{
		"NR-EQP-GRINDER": {"https://northwind.example.com/care/hand-grinder",
			"Set the burrs, clean them monthly, and never wash them with water."},
		"NR-MUG-ENAMEL-350": {"https://northwind.example.com/care/enamel-mug",
			"Enamel loves a gentle hand wash; avoid the microwave."},
	}
	// demoCategoryContent is category content: link and text.
	demoCategoryContent = map[string][2]string{
		"Coffee": {"https://northwind.example.com/guides/brewing",
			"Our brew guide: grind size, ratios and water for every method."},
	}
)

// SeedCatalog sets the demo's complements and content. It runs after Seed
// (the products exist once the demo orders are imported) and only on a
// catalog no one has set up yet (no category content, no complements), so
// a restart never overwrites what staff changed. It runs as the system.
func SeedCatalog(ctx context.Context, d *db.DB) error {
	ctx = auth.WithSystem(ctx)
	set, err := d.CategoryContent.Query().Exist(ctx)
	if err != nil {
		return fmt.Errorf("demo: reading category content: %w", err)
	}
	linked, err := d.Product.Query().Where(entproduct.HasComplements()).Exist(ctx)
	if err != nil {
		return fmt.Errorf("demo: reading complements: %w", err)
	}
	if set || linked {
		return nil
	}
	cat := catalogs.NewService(d)
	id := func(sku string) (int, error) { return d.Product.Query().Where(entproduct.Sku(sku)).OnlyID(ctx) }
	for sku, with := range demoComplements {
		p, err := id(sku)
		if err != nil {
			return fmt.Errorf("demo: product %s: %w", sku, err)
		}
		up := catalogs.ProductUpdate{ID: p, ComplementIDs: []int{}}
		for _, w := range with {
			c, err := id(w)
			if err != nil {
				return fmt.Errorf("demo: product %s: %w", w, err)
			}
			up.ComplementIDs = append(up.ComplementIDs, c)
		}
		if _, err := cat.UpdateProduct(ctx, up); err != nil {
			return fmt.Errorf("demo: complements of %s: %w", sku, err)
		}
	}
	for sku, c := range demoContent {
		p, err := id(sku)
		if err != nil {
			return fmt.Errorf("demo: product %s: %w", sku, err)
		}
		if _, err := cat.UpdateProduct(ctx, catalogs.ProductUpdate{ID: p, ContentURL: &c[0], ContentText: &c[1]}); err != nil {
			return fmt.Errorf("demo: content of %s: %w", sku, err)
		}
	}
	for category, c := range demoCategoryContent {
		if _, err := cat.SetCategoryContent(ctx, catalogs.CategoryInput{Category: category, ContentURL: c[0], ContentText: &c[1]}); err != nil {
			return fmt.Errorf("demo: content of %s: %w", category, err)
		}
	}
	return nil
}
