package orders

// The customer and product upserts of an import: both are keyed by the
// store's identity (email, SKU), so a replayed import finds what the first
// one wrote.

import (
	"context"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/product"
)

func upsertCustomer(ctx context.Context, tx *ent.Tx, email string, in CustomerInput) (*ent.Customer, bool, error) {
	c, err := tx.Customer.Query().Where(customer.Email(email)).Only(ctx)
	if ent.IsNotFound(err) {
		create := tx.Customer.Create().SetEmail(email).SetNillableExternalID(trimmed(in.ExternalID))
		if in.FirstName != nil {
			create.SetFirstName(strings.TrimSpace(*in.FirstName))
		}
		if in.LastName != nil {
			create.SetLastName(strings.TrimSpace(*in.LastName))
		}
		create.SetNillableTimeZone(trimmed(in.TimeZone))
		c, err = create.Save(ctx)
		return c, true, err
	}
	if err != nil {
		return nil, false, err
	}
	upd, changed := tx.Customer.UpdateOne(c), false
	if in.FirstName != nil && strings.TrimSpace(*in.FirstName) != c.FirstName {
		upd.SetFirstName(strings.TrimSpace(*in.FirstName))
		changed = true
	}
	if in.LastName != nil && strings.TrimSpace(*in.LastName) != c.LastName {
		upd.SetLastName(strings.TrimSpace(*in.LastName))
		changed = true
	}
	if ext := trimmed(in.ExternalID); ext != nil && (c.ExternalID == nil || *c.ExternalID != *ext) {
		upd.SetExternalID(*ext)
		changed = true
	}
	if tz := trimmed(in.TimeZone); tz != nil && (c.TimeZone == nil || *c.TimeZone != *tz) {
		upd.SetTimeZone(*tz)
		changed = true
	}
	if !changed {
		return c, false, nil
	}
	c, err = upd.Save(ctx)
	return c, true, err
}

func upsertProduct(ctx context.Context, tx *ent.Tx, it ItemInput) (int, bool, error) {
	p, err := tx.Product.Query().Where(product.Sku(it.Sku)).Only(ctx)
	if ent.IsNotFound(err) {
		create := tx.Product.Create().SetSku(it.Sku).SetName(it.Name).
			SetNillableImageURL(trimmed(it.ImageURL)).SetNillableReorderIntervalDays(it.ReorderIntervalDays)
		if it.Category != nil {
			create.SetCategory(strings.TrimSpace(*it.Category))
		}
		p, err = create.Save(ctx)
		if err != nil {
			return 0, false, err
		}
		return p.ID, true, nil
	}
	if err != nil {
		return 0, false, err
	}
	upd, changed := tx.Product.UpdateOne(p), false
	if p.Name != it.Name {
		upd.SetName(it.Name)
		changed = true
	}
	if img := trimmed(it.ImageURL); img != nil && (p.ImageURL == nil || *p.ImageURL != *img) {
		upd.SetImageURL(*img)
		changed = true
	}
	if it.Category != nil && strings.TrimSpace(*it.Category) != p.Category {
		upd.SetCategory(strings.TrimSpace(*it.Category))
		changed = true
	}
	if it.ReorderIntervalDays != nil && (p.ReorderIntervalDays == nil || *p.ReorderIntervalDays != *it.ReorderIntervalDays) {
		upd.SetReorderIntervalDays(*it.ReorderIntervalDays)
		changed = true
	}
	if changed {
		if err := upd.Exec(ctx); err != nil {
			return 0, false, err
		}
	}
	return p.ID, changed, nil
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil
	}
	return &t
}
