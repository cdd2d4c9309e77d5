package graph

import (
	"reflect"
	"testing"
)

// paramBodies are request bodies, well-formed and not, for the two ways
// decodeParams reads them.
var paramBodies = []string{
	`{"query":"{ a }"}`,
	`{"query":"query Q($n: String!) { order(number: $n) { id } }","operationName":"Q","variables":{"n":"AC-1001"}}`,
	`{"query":"{ a }","variables":{"big":12345678901234567890,"dec":1.50,"list":[1,"x",null,{"a":true}]}}`,
	`{"query":"{ a }","variables":null,"extensions":null,"operationName":null}`,
	`{"query":"{ a }","variables":{},"extensions":{"persistedQuery":{"version":1}}}`,
	`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`,
	` {"query":"\u0041 \n\t\"x\""} ` + "\n\t\r",
	`{"QUERY":"{ a }","Variables":{"a":1}}`,
	`{"query":"{ a }","query":"{ b }"}`,
	`{"query":"{ a }","unknown":[1,2,{"x":null}]}`,
	`{}`,
	`{"query":null}`,
	`{"query":5}`,
	`{"query":"{ a }","operationName":7}`,
	`{"query":"{ a }","variables":"x"}`,
	`{"query":"{ a }","variables":[1]}`,
	`{"query":"{ a }","extensions":true}`,
	`{"query":"{ a }"} x`,
	`{"query":"{ a }"}{"query":"{ b }"}`,
	`{"query":"{ a }"`,
	`{"query":"\ud800"}`,
	`{"query":"a` + "\x00" + `"}`,
	`{"query":"{ a }",}`,
}

// TestDecodeParamsFastIsSlow: the one-pass decoding gives exactly what the
// member-by-member one gives for every body it accepts, and leaves every
// other body to it (so its errors stay the same).
func TestDecodeParamsFastIsSlow(t *testing.T) {
	for _, body := range paramBodies {
		checkDecodeParams(t, []byte(body))
	}
}

func FuzzDecodeParams(f *testing.F) {
	for _, body := range paramBodies {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkDecodeParams(t, body) })
}

func checkDecodeParams(t *testing.T, body []byte) {
	t.Helper()
	slow, slowErr := decodeParamsSlow(body)
	fast, ok := decodeParamsFast(body)
	if !ok {
		return // decodeParams uses the slow path's answer
	}
	if fastErr := missingQuery(fast); !reflect.DeepEqual(fastErr, slowErr) {
		t.Fatalf("%q: fast path's error %v, slow path's %v", body, fastErr, slowErr)
	}
	if slowErr == nil && !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: fast %#v, slow %#v", body, fast, slow)
	}
}
