package testserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/aftercart/aftercart/graph/validationtest"
)

// PostQuery sends a document without a token, as a stranger would, and
// returns the HTTP status and the raw body. url is a server's base URL: the
// amplification test and its benchmark (a server in a child process) share it.
func PostQuery(tb testing.TB, url string, s validationtest.Shape) (int, []byte) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": s.Query, "operationName": s.OperationName})
	res, err := http.Post(url+"/query", "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return res.StatusCode, raw
}
