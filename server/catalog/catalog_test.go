package catalog_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

const (
	updateProduct = `mutation($in: UpdateProductContentInput!) {
  updateProductContent(input: $in) { product { id contentUrl contentText reorderIntervalDays complements { id } } }
}`
	setCategory = `mutation($in: SetCategoryContentInput!) {
  setCategoryContent(input: $in) { content { category contentUrl contentText } }
}`
	readProduct = `query($id: ID!) { node(id: $id) { ... on Product { contentUrl contentText reorderIntervalDays complements { id name } } } }`
)

// productView is what readProduct returns.
type productView struct {
	Node struct {
		ContentURL, ContentText *string
		ReorderIntervalDays     *int
		Complements             []struct{ ID, Name string }
	}
}

// products imports an order of n lines and returns its products' ids.
func (s *testServer) products(t *testing.T, n int) []string {
	t.Helper()
	s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-7001", Items: n})
	var out struct {
		Order struct {
			Items []struct{ Product struct{ ID string } }
		}
	}
	s.GQL(t, s.Integration(t), `{ order(number: "AC-7001") { items { product { id } } } }`, nil).MustOK(t, &out)
	var ids []string
	for _, it := range out.Order.Items {
		ids = append(ids, it.Product.ID)
	}
	return ids
}

// read returns product id as a customer sees it.
func (s *testServer) read(t *testing.T, id string) productView {
	t.Helper()
	var v productView
	s.GQL(t, s.Token(t, auth.RoleCustomer, "ana@example.com"), readProduct, map[string]any{"id": id}).MustOK(t, &v)
	return v
}

// TestUpdateProductContent: staff set content, interval and complements,
// which anyone reads; each invalid field is INVALID_INPUT naming it and
// leaves the product as it was; customers get FORBIDDEN.
func TestUpdateProductContent(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		admin := s.Token(t, auth.RoleAdmin, "")
		ids := s.products(t, 12)
		p := ids[0]
		s.GQL(t, admin, updateProduct, map[string]any{"in": map[string]any{"id": p, "contentUrl": "https://shop.example.com/care/pan",
			"contentText": "Season it first.", "reorderIntervalDays": 30, "complementIds": []string{ids[2], ids[1]}}}).MustOK(t, nil)
		want := func(v productView) string {
			return fmt.Sprintf("%v %v %v %d", *v.Node.ContentURL, *v.Node.ContentText, *v.Node.ReorderIntervalDays, len(v.Node.Complements))
		}
		saved := s.read(t, p)
		if got := want(saved); got != "https://shop.example.com/care/pan Season it first. 30 2" ||
			saved.Node.Complements[0].Name != "Product 1" || saved.Node.Complements[1].Name != "Product 2" {
			t.Fatalf("saved: %s %+v", got, saved.Node.Complements)
		}
		// One-way: the pan's complements do not list the pan back.
		if back := s.read(t, ids[1]).Node.Complements; len(back) != 0 {
			t.Fatalf("product 1's complements %+v; want none (complements are one-way)", back)
		}

		long := "https://shop.example.com/" + strings.Repeat("a", 2048)
		for _, c := range []struct {
			name  string
			in    map[string]any
			field string
		}{
			{"ftp link", map[string]any{"contentUrl": "ftp://shop.example.com/x"}, "input.contentUrl"},
			{"relative link", map[string]any{"contentUrl": "/care/pan"}, "input.contentUrl"},
			{"long link", map[string]any{"contentUrl": long}, "input.contentUrl"},
			{"long text", map[string]any{"contentText": strings.Repeat("é", 501)}, "input.contentText"},
			{"text without a link", map[string]any{"contentUrl": "", "contentText": "Orphan."}, "input.contentText"},
			{"negative interval", map[string]any{"reorderIntervalDays": -1}, "input.reorderIntervalDays"},
			{"itself", map[string]any{"complementIds": []string{ids[1], p}}, "input.complementIds[1]"},
			{"twice", map[string]any{"complementIds": []string{ids[1], ids[1]}}, "input.complementIds[1]"},
			{"missing", map[string]any{"complementIds": []string{ids[1], "999999999"}}, "input.complementIds[1]"},
			{"eleven", map[string]any{"complementIds": ids[1:12]}, "input.complementIds"},
		} {
			in := map[string]any{"id": p, "reorderIntervalDays": 7, "contentText": "Changed."}
			for k, v := range c.in {
				in[k] = v
			}
			r := s.GQL(t, admin, updateProduct, map[string]any{"in": in})
			r.MustCode(t, "INVALID_INPUT")
			if f := r.Errors[0].Extensions["field"]; f != c.field {
				t.Errorf("%s: field %v, want %s", c.name, f, c.field)
			}
			if got := want(s.read(t, p)); got != want(saved) {
				t.Errorf("%s: the product changed to %s", c.name, got)
			}
		}
		s.GQL(t, admin, updateProduct, map[string]any{"in": map[string]any{"id": "999999999", "contentUrl": "https://x.example"}}).
			MustCode(t, "NOT_FOUND")
		customer := s.Token(t, auth.RoleCustomer, "mina@example.com")
		s.GQL(t, customer, updateProduct, map[string]any{"in": map[string]any{"id": p, "contentUrl": "https://evil.example"}}).
			MustCode(t, "FORBIDDEN")
		s.GQL(t, customer, setCategory, map[string]any{"in": map[string]any{"category": "Coffee", "contentUrl": "https://evil.example"}}).
			MustCode(t, "FORBIDDEN")
		s.GQL(t, customer, `{ categoryContents { category } }`, nil).MustCode(t, "FORBIDDEN")

		// Clearing: "" removes link and text, 0 the interval, [] the complements.
		s.GQL(t, admin, updateProduct, map[string]any{"in": map[string]any{"id": p, "contentUrl": "", "reorderIntervalDays": 0,
			"complementIds": []string{}}}).MustOK(t, nil)
		if v := s.read(t, p).Node; v.ContentURL != nil || v.ContentText != nil || v.ReorderIntervalDays != nil || len(v.Complements) != 0 {
			t.Errorf("after clearing: %+v", v)
		}
	})
}

// TestSetCategoryContent: staff set a category's content (stored in
// lower case, replaced on a second save, removed with an empty link);
// bad input is INVALID_INPUT naming the field.
func TestSetCategoryContent(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		admin := s.Token(t, auth.RoleAdmin, "")
		list := func() string {
			var out struct {
				CategoryContents []struct{ Category, ContentURL, ContentText string }
			}
			s.GQL(t, admin, `{ categoryContents { category contentUrl contentText } }`, nil).MustOK(t, &out)
			return fmt.Sprint(out.CategoryContents)
		}
		s.GQL(t, admin, setCategory, map[string]any{"in": map[string]any{"category": " Coffee ", "contentUrl": "https://a.example/brew",
			"contentText": "Brew guide."}}).MustOK(t, nil)
		s.GQL(t, admin, setCategory, map[string]any{"in": map[string]any{"category": "COFFEE", "contentUrl": "https://a.example/brew2"}}).MustOK(t, nil)
		s.GQL(t, admin, setCategory, map[string]any{"in": map[string]any{"category": "Tea", "contentUrl": "https://a.example/tea"}}).MustOK(t, nil)
		if got := list(); got != "[{coffee https://a.example/brew2 } {tea https://a.example/tea }]" {
			t.Fatalf("category contents: %s", got)
		}
		for _, c := range []struct {
			in    map[string]any
			field string
		}{
			{map[string]any{"category": " ", "contentUrl": "https://a.example"}, "input.category"},
			{map[string]any{"category": "Tea", "contentUrl": "javascript:alert(1)"}, "input.contentUrl"},
			{map[string]any{"category": "Tea", "contentUrl": "https://a.example", "contentText": strings.Repeat("x", 1001)}, "input.contentText"},
		} {
			r := s.GQL(t, admin, setCategory, map[string]any{"in": c.in})
			r.MustCode(t, "INVALID_INPUT")
			if f := r.Errors[0].Extensions["field"]; f != c.field {
				t.Errorf("%v: field %v, want %s", c.in, f, c.field)
			}
		}
		s.GQL(t, admin, setCategory, map[string]any{"in": map[string]any{"category": "tea", "contentUrl": ""}}).MustOK(t, nil)
		if got := list(); got != "[{coffee https://a.example/brew2 }]" {
			t.Fatalf("after removing tea: %s", got)
		}
	})
}
