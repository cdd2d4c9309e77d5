package graph

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// responseData are data entries as gqlgen writes them, and a few it never
// writes, for marshalResponse to answer exactly as json.Marshal does.
var responseData = []string{
	`null`,
	`{}`,
	`{"order":null}`,
	`{"order":{"id":"4294967298","total":{"amount":"67.24","currencyCode":"EUR"},"items":[{"quantity":1},{"quantity":2}],"ok":true,"n":-1.5e3}}`,
	`{"store":"Northwind Roasters & Goods","html":"<b>bold</b>","url":"https://x.example/?a=1&b=2"}`,
	"{\"sep\":\"line\u2028para\u2029end\",\"e\":\"\xe2\x80\xa7\xe2\x80\"}",
	`{"q":"say \"hi\" & \\ bye \\","u":"\u00e9\u65e5\ud83d\ude00","ctl":"\u0001\t\n"}`,
	"{\"bad\":\"\xff\xfe<\"}",
	`{"s":" spaces { [ inside ] } strings "}`,
	`[[],[[]],{"a":[{"b":{}}]}]`,
	// Not as gqlgen writes them: json.Marshal compacts or refuses these.
	"{\"a\": 1}",
	"{\"a\":1}\n",
	"{\"a\":\n[1,\t2]}",
	`{"a":1`,
	`{"a":"1}`,
	`{"a":1}}`,
	`]`,
	`{"a":1}<`,
	``,
}

func TestMarshalResponseIsJSONMarshal(t *testing.T) {
	errs := gqlerror.List{{Message: "not found: <AC-1> & more", Path: ast.Path{ast.PathName("order")},
		Extensions: map[string]any{"code": "NOT_FOUND"}}}
	hasNext := true
	for _, data := range responseData {
		for _, r := range []graphql.Response{
			{Data: json.RawMessage(data)},
			{Data: json.RawMessage(data), Errors: errs},
			{Data: json.RawMessage(data), Extensions: map[string]any{"cost": 3}},
			{Data: json.RawMessage(data), Label: "l", Path: ast.Path{ast.PathIndex(1)}, HasNext: &hasNext},
		} {
			checkMarshalResponse(t, &r)
		}
	}
}

// FuzzMarshalResponse: for any valid JSON data, marshalResponse writes the
// bytes json.Marshal writes.
func FuzzMarshalResponse(f *testing.F) {
	for _, d := range responseData {
		f.Add([]byte(d), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, withErrors bool) {
		if !json.Valid(data) {
			t.Skip()
		}
		r := graphql.Response{Data: data}
		if withErrors {
			r.Errors = gqlerror.List{{Message: string(data)}}
		}
		checkMarshalResponse(t, &r)
	})
}

func checkMarshalResponse(t *testing.T, r *graphql.Response) {
	t.Helper()
	want, wantErr := json.Marshal(r)
	got, err := marshalResponse(r)
	if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
		t.Errorf("data %q errors %d extensions %v:\n got %q, %v\nwant %q, %v", r.Data, len(r.Errors), r.Extensions, got, err, want, wantErr)
	}
}

func BenchmarkMarshalResponse(b *testing.B) {
	data := json.RawMessage(responseData[3])
	for len(data) < 1800 {
		data = json.RawMessage(`{"a":[` + string(data) + `,` + string(data) + `]}`)
	}
	r := &graphql.Response{Data: data}
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(r)
		}
	})
	b.Run("marshalResponse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = marshalResponse(r)
		}
	})
}
