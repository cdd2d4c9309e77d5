package catalog

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/categorycontent"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
)

// Limits of what staff set, matching the columns (ent/schema/product.go).
const (
	// MaxURLBytes bounds a content link.
	MaxURLBytes = 2048
	// MaxTextBytes bounds a content text.
	MaxTextBytes = 1000
	// MaxComplements bounds a product's complements: a message suggests
	// a few, not a catalog.
	MaxComplements = 10
	// MaxReorderIntervalDays bounds a reorder interval, as the import does.
	MaxReorderIntervalDays = 3650
	// maxCategoryBytes bounds a category name, as Product.category does.
	maxCategoryBytes = 128
)

// Service writes the catalog's after-purchase settings. It is safe for
// concurrent use.
type Service struct{ db *db.DB }

// NewService returns the catalog on d.
func NewService(d *db.DB) *Service { return &Service{db: d} }

// ProductUpdate is what to change on a product (GraphQL
// UpdateProductContentInput); nil fields keep their value.
type ProductUpdate struct {
	// ID is the product's.
	ID int `json:"id"`
	// ContentURL sets the content link; "" removes the link and the text.
	ContentURL *string `json:"contentUrl,omitempty"`
	// ContentText sets the text beside the link; "" removes it.
	ContentText *string `json:"contentText,omitempty"`
	// ReorderIntervalDays sets the days one unit lasts; 0 removes it.
	ReorderIntervalDays *int `json:"reorderIntervalDays,omitempty"`
	// ComplementIDs, when non-nil, replaces the complements.
	ComplementIDs []int `json:"complementIds,omitempty"`
}

// UpdateProduct saves in and returns the product as saved. Staff only.
func (s *Service) UpdateProduct(ctx context.Context, in ProductUpdate) (*ent.Product, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		p, err := tx.Product.Get(ctx, in.ID)
		if ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "no product %d", in.ID)
		} else if err != nil {
			return err
		}
		if err := validateContent(p, in); err != nil {
			return err
		}
		if err := checkComplements(ctx, tx.Client(), p.ID, in.ComplementIDs); err != nil {
			return err
		}
		upd := tx.Product.UpdateOne(p)
		switch {
		case in.ContentURL != nil && *in.ContentURL == "":
			upd.ClearContentURL().ClearContentText()
		case in.ContentURL != nil:
			upd.SetContentURL(strings.TrimSpace(*in.ContentURL))
		}
		switch {
		case in.ContentText == nil || (in.ContentURL != nil && *in.ContentURL == ""):
		case strings.TrimSpace(*in.ContentText) == "":
			upd.ClearContentText()
		default:
			upd.SetContentText(strings.TrimSpace(*in.ContentText))
		}
		switch {
		case in.ReorderIntervalDays == nil:
		case *in.ReorderIntervalDays == 0:
			upd.ClearReorderIntervalDays()
		default:
			upd.SetReorderIntervalDays(*in.ReorderIntervalDays)
		}
		if in.ComplementIDs != nil {
			upd.ClearComplements().AddComplementIDs(in.ComplementIDs...)
		}
		return upd.Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return s.db.Product.Get(ctx, in.ID)
}

// validateContent checks in's content and interval against p (a text
// needs a link, the new one or p's).
func validateContent(p *ent.Product, in ProductUpdate) error {
	hasURL := p.ContentURL != nil
	if in.ContentURL != nil {
		if err := checkURL("input.contentUrl", *in.ContentURL, true); err != nil {
			return err
		}
		hasURL = strings.TrimSpace(*in.ContentURL) != ""
	}
	if in.ContentText != nil {
		text := strings.TrimSpace(*in.ContentText)
		switch {
		case len(text) > MaxTextBytes:
			return errs.Invalid("input.contentText", "at most %d bytes", MaxTextBytes)
		case text != "" && !hasURL:
			return errs.Invalid("input.contentText", "a text needs a contentUrl beside it")
		}
	}
	if d := in.ReorderIntervalDays; d != nil && (*d < 0 || *d > MaxReorderIntervalDays) {
		return errs.Invalid("input.reorderIntervalDays", "must be between 1 and %d days (0 removes it)", MaxReorderIntervalDays)
	}
	return nil
}

// checkURL refuses a link that is not an absolute http or https URL of at
// most MaxURLBytes ("" is allowed when emptyOK: it removes the content).
func checkURL(field, raw string, emptyOK bool) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if emptyOK {
			return nil
		}
		return errs.Invalid(field, "a link is required")
	}
	if len(raw) > MaxURLBytes {
		return errs.Invalid(field, "at most %d bytes", MaxURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errs.Invalid(field, "must be an absolute http or https URL")
	}
	return nil
}

// checkComplements refuses more than MaxComplements ids, a repeated id,
// the product itself or a product that does not exist.
func checkComplements(ctx context.Context, c *ent.Client, self int, ids []int) error {
	if ids == nil {
		return nil
	}
	if len(ids) > MaxComplements {
		return errs.Invalid("input.complementIds", "at most %d complements", MaxComplements)
	}
	seen := make(map[int]bool, len(ids))
	for i, id := range ids {
		f := fmt.Sprintf("input.complementIds[%d]", i)
		switch {
		case id == self:
			return errs.Invalid(f, "a product is not its own complement")
		case seen[id]:
			return errs.Invalid(f, "product %d is listed twice", id)
		}
		seen[id] = true
	}
	found, err := c.Product.Query().Where(product.IDIn(ids...)).IDs(ctx)
	if err != nil {
		return err
	}
	exists := make(map[int]bool, len(found))
	for _, id := range found {
		exists[id] = true
	}
	for i, id := range ids {
		if !exists[id] {
			return errs.Invalid(fmt.Sprintf("input.complementIds[%d]", i), "no product %d", id)
		}
	}
	return nil
}

// Complements are p's complements, by name; anyone may read them.
func Complements(ctx context.Context, p *ent.Product) ([]*ent.Product, error) {
	if p.Edges.Complements != nil {
		out := append([]*ent.Product(nil), p.Edges.Complements...)
		sort.SliceStable(out, func(a, b int) bool { return out[a].Name < out[b].Name })
		return out, nil
	}
	return p.QueryComplements().Order(ent.Asc(product.FieldName), ent.Asc(product.FieldID)).All(ctx)
}

// CategoryKey is how a category is stored and matched: trimmed, in lower
// case (as the journeys' categoryDelays).
func CategoryKey(category string) string { return strings.ToLower(strings.TrimSpace(category)) }

// CategoryInput is a category's content to set (GraphQL
// SetCategoryContentInput).
type CategoryInput struct {
	// Category is the store's category name.
	Category string `json:"category"`
	// ContentURL is the link; "" removes the category's content.
	ContentURL string `json:"contentUrl"`
	// ContentText is the text beside it.
	ContentText *string `json:"contentText,omitempty"`
}

// SetCategoryContent saves or (an empty link) removes a category's
// content and returns it as saved (nil when removed). Staff only.
func (s *Service) SetCategoryContent(ctx context.Context, in CategoryInput) (*ent.CategoryContent, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	key := CategoryKey(in.Category)
	if key == "" || len(key) > maxCategoryBytes {
		return nil, errs.Invalid("input.category", "must be 1 to %d bytes", maxCategoryBytes)
	}
	if err := checkURL("input.contentUrl", in.ContentURL, true); err != nil {
		return nil, err
	}
	text := ""
	if in.ContentText != nil {
		text = strings.TrimSpace(*in.ContentText)
	}
	if len(text) > MaxTextBytes {
		return nil, errs.Invalid("input.contentText", "at most %d bytes", MaxTextBytes)
	}
	link := strings.TrimSpace(in.ContentURL)
	if link == "" {
		if text != "" {
			return nil, errs.Invalid("input.contentText", "a text needs a contentUrl beside it")
		}
		_, err := s.db.CategoryContent.Delete().Where(categorycontent.Category(key)).Exec(ctx)
		return nil, db.Classify(err)
	}
	actor := ""
	if v, ok := auth.FromContext(ctx); ok {
		actor = v.Subject
	}
	err := s.db.CategoryContent.Create().SetCategory(key).SetContentURL(link).SetContentText(text).SetUpdatedBy(actor).
		OnConflictColumns(categorycontent.FieldCategory).
		Update(func(u *ent.CategoryContentUpsert) {
			u.UpdateContentURL().UpdateContentText().UpdateUpdatedBy().UpdateUpdatedAt()
		}).Exec(ctx)
	if err != nil {
		return nil, db.Classify(err)
	}
	return s.db.CategoryContent.Query().Where(categorycontent.Category(key)).Only(ctx)
}

// CategoryContents are every category's content, by category. Staff only.
func (s *Service) CategoryContents(ctx context.Context) ([]*ent.CategoryContent, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return s.db.CategoryContent.Query().Order(ent.Asc(categorycontent.FieldCategory)).All(ctx)
}
