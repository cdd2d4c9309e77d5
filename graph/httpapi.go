package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aftercart/aftercart/server/errs"
)

// The media types a GraphQL response can be sent as (GraphQL over HTTP).
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// unavailableRetryAfter is the Retry-After, in seconds, of a 503: long
// enough for a database failover, short enough for a phone that is waiting.
const unavailableRetryAfter = "5"

// httpTransport is aftercart's GraphQL-over-HTTP transport: POST with a JSON
// body, and GET for queries. It replaces gqlgen's transport.POST and
// transport.GET, which cannot be configured to follow the spec's status
// rules, echo a malformed body into the error message, read bodies without
// a limit and treat a JSON array as an object error.
//
// What it answers (the README's "HTTP status" table says the same):
//
//   - The response type is negotiated from Accept: application/json (also
//     for a missing Accept, */* or application/*: the spec's legacy
//     default) or application/graphql-response+json; an Accept naming
//     neither gets 406.
//   - A request that is not a GraphQL request at all gets a 4xx with
//     BAD_REQUEST whatever the media type: a body that is not JSON, a JSON
//     array (batches are not supported), parameters of the wrong type (400),
//     a POST that is not application/json (415: text/plain and forms are how
//     cross-site requests arrive), a body over the limit however it is
//     framed (413), a mutation over GET (405).
//   - A document that does not parse or validate, variables that do not
//     coerce, and refusals before execution (cost, throttling) are request
//     errors: the body has errors and no data entry. application/json
//     clients get 200 for them, as the spec asks; graphql-response+json
//     clients get 400 (429 when THROTTLED).
//   - An operation that ran gets 200, field errors and all.
//   - UNAVAILABLE (the database is down), before or during execution and for
//     every operation type, gets 503 with Retry-After and a body without
//     data: the client retries the whole operation. Every mutation is
//     idempotent (imports by externalId, shipments by tracking number,
//     events by externalId), so retrying one that partly ran is safe.
type httpTransport struct {
	// maxBody bounds the request body, in bytes.
	maxBody int64
	// maxUpload bounds one file of a multipart request (see multipart.go);
	// zero refuses multipart requests like any other form post.
	maxUpload int64
}

var _ graphql.Transport = httpTransport{}

// Supports claims every plain GET and POST: requests this transport refuses
// get its clear answer instead of gqlgen's "transport not supported".
func (t httpTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	return r.Method == http.MethodPost || r.Method == http.MethodGet
}

// Do answers one GraphQL-over-HTTP request.
func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		writeRequestError(w, mediaJSON, http.StatusNotAcceptable, errs.BadRequest,
			"the response is application/json or application/graphql-response+json: the Accept header allows neither")
		return
	}
	var (
		params *graphql.RawParams
		bad    *requestError
	)
	switch {
	case r.Method == http.MethodGet:
		params, bad = paramsFromQuery(r.URL.RawQuery)
	case t.isUpload(r):
		var cleanup func()
		params, cleanup, bad = t.paramsFromMultipart(w, r)
		defer cleanup() // after the response: the resolvers read the files
	default:
		params, bad = t.paramsFromBody(w, r)
	}
	if bad != nil {
		code := bad.code
		if code == "" {
			code = errs.BadRequest
		}
		writeRequestError(w, media, bad.status, code, bad.message)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}

	ctx := r.Context()
	opCtx, gqlErrs := exec.CreateOperationContext(ctx, params)
	if gqlErrs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), gqlErrs)
		writeResponse(w, media, requestErrorStatus(media, resp.Errors), withoutData(resp))
		return
	}
	switch op := opCtx.Operation.Operation; {
	case r.Method == http.MethodGet && op != ast.Query:
		w.Header().Set("Allow", http.MethodPost)
		writeRequestError(w, media, http.StatusMethodNotAllowed, errs.BadRequest,
			"GET runs queries only: send "+string(op)+"s as POST")
		return
	case op == ast.Subscription:
		writeRequestError(w, media, requestErrorStatus(media, nil), errs.BadRequest,
			"subscriptions are served over websockets (graphql-transport-ws on this same URL)")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if hasCode(resp.Errors, errs.Unavailable) {
		writeResponse(w, media, http.StatusServiceUnavailable, withoutData(resp))
		return
	}
	writeResponse(w, media, http.StatusOK, resp)
}

// requestError is a request refused before it reached GraphQL.
type requestError struct {
	status  int
	message string
	// code is the error's extensions.code; empty means BAD_REQUEST.
	code errs.Code
}

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

// paramsFromBody reads a POST's JSON body: one operation, as an object.
func (t httpTransport) paramsFromBody(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, *requestError) {
	ct := r.Header.Get("Content-Type")
	mediaType, mtParams, err := mime.ParseMediaType(ct)
	if err != nil || mediaType != mediaJSON {
		return nil, &requestError{status: http.StatusUnsupportedMediaType,
			message: fmt.Sprintf("send the operation as Content-Type: application/json (got %q)", truncate(ct, 64))}
	}
	if cs, ok := mtParams["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, &requestError{status: http.StatusUnsupportedMediaType, message: "the body must be UTF-8"}
	}
	// The limit is checked while reading, so a chunked body (no
	// Content-Length) is cut off at the same size as a declared one.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &requestError{status: http.StatusRequestEntityTooLarge, message: fmt.Sprintf("the request body is over %d bytes", t.maxBody)}
	case err != nil:
		return nil, badRequest("could not read the request body")
	}
	return decodeParams(body)
}

// decodeParams decodes one operation's JSON object: a POST's body, or the
// operations field of a multipart request.
func decodeParams(body []byte) (*graphql.RawParams, *requestError) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return nil, badRequest("the request body is empty: send {\"query\": \"...\"}")
	case trimmed[0] == '[':
		return nil, badRequest("batched operations (a JSON array) are not supported: send one operation per request")
	case trimmed[0] != '{':
		return nil, badRequest("the request body must be a JSON object: {\"query\": \"...\"}")
	}
	if p, ok := decodeParamsFast(body); ok {
		return p, missingQuery(p)
	}
	return decodeParamsSlow(body)
}

// decodeParamsSlow decodes body member by member, naming the member that is
// not what it should be.
func decodeParamsSlow(body []byte) (*graphql.RawParams, *requestError) {
	var raw struct {
		Query         json.RawMessage `json:"query"`
		OperationName json.RawMessage `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
		Extensions    json.RawMessage `json:"extensions"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		// The decoder's message names the offset, never the body: a
		// malformed body may be a megabyte, or somebody's secrets.
		return nil, badRequest("the request body is not valid JSON: %s", jsonProblem(err))
	}
	p := &graphql.RawParams{}
	if bad := decodeString("query", raw.Query, &p.Query); bad != nil {
		return nil, bad
	}
	if bad := decodeString("operationName", raw.OperationName, &p.OperationName); bad != nil {
		return nil, bad
	}
	if bad := decodeMap("variables", raw.Variables, &p.Variables); bad != nil {
		return nil, bad
	}
	if bad := decodeMap("extensions", raw.Extensions, &p.Extensions); bad != nil {
		return nil, bad
	}
	return p, missingQuery(p)
}

// decodeParamsFast decodes a well-formed body in one pass. decodeParams
// reads each member as raw JSON first, so that a member of the wrong type
// gets an error that names it, and then decodes each again: four passes
// over the query text, which was 4 % of the order status screen's CPU.
// Well-formed bodies decode here instead (the same members, numbers kept as
// json.Number, trailing whitespace allowed as by json.Unmarshal); ok is
// false for anything else, which decodeParams then reads the slow way for
// its error.
func decodeParamsFast(body []byte) (*graphql.RawParams, bool) {
	var fast struct {
		Query         *string        `json:"query"`
		OperationName *string        `json:"operationName"`
		Variables     map[string]any `json:"variables"`
		Extensions    map[string]any `json:"extensions"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&fast); err != nil || len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, false
	}
	p := &graphql.RawParams{Variables: fast.Variables, Extensions: fast.Extensions}
	if fast.Query != nil {
		p.Query = *fast.Query
	}
	if fast.OperationName != nil {
		p.OperationName = *fast.OperationName
	}
	return p, true
}

// missingQuery refuses parameters with neither a query nor a persisted
// query's hash (which gqlgen's APQ extension turns into the query).
func missingQuery(p *graphql.RawParams) *requestError {
	if p.Query != "" {
		return nil
	}
	if _, ok := p.Extensions["persistedQuery"]; ok {
		return nil
	}
	return badRequest("the query parameter is missing")
}

// paramsFromQuery reads a GET's parameters from its URL.
func paramsFromQuery(rawQuery string) (*graphql.RawParams, *requestError) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, badRequest("the URL's query string is malformed")
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if v := q.Get("variables"); v != "" {
		if bad := decodeMap("variables", json.RawMessage(v), &p.Variables); bad != nil {
			return nil, bad
		}
	}
	if v := q.Get("extensions"); v != "" {
		if bad := decodeMap("extensions", json.RawMessage(v), &p.Extensions); bad != nil {
			return nil, bad
		}
	}
	return p, missingQuery(p)
}

// decodeString decodes a string parameter; null or absent leaves dst "".
// A missing query is not refused here: a persisted query's hash may stand in
// for it, and gqlgen's APQ extension then fills it in or answers
// PERSISTED_QUERY_NOT_FOUND (and the parser refuses an empty document).
func decodeString(name string, raw json.RawMessage, dst *string) *requestError {
	if isNull(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return badRequest("the %s parameter must be a string", name)
	}
	return nil
}

// decodeMap decodes an object parameter (variables, extensions); null or
// absent leaves dst nil. Numbers stay json.Number so that large integers
// and exact decimals survive to the scalars that parse them.
func decodeMap(name string, raw json.RawMessage, dst *map[string]any) *requestError {
	if isNull(raw) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil || *dst == nil {
		return badRequest("the %s parameter must be a JSON object", name)
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

// jsonProblem describes a JSON syntax error by position only.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return "syntax error at byte " + strconv.FormatInt(syntax.Offset, 10)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return "unexpected " + typ.Value + " at byte " + strconv.FormatInt(typ.Offset, 10)
	}
	return "unexpected end of input"
}

// negotiate picks the response media type from an Accept header (RFC 9110
// §12.5.1, with q-values): graphql-response+json or application/json,
// whichever the client prefers; application/json when Accept is missing or
// allows anything, as the spec asks until clients have moved on.
func negotiate(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil {
				continue
			}
		}
		var candidate string
		switch mt {
		case mediaGraphQLResponse:
			candidate = mediaGraphQLResponse
		case mediaJSON, "application/*", "*/*":
			candidate = mediaJSON
		default:
			continue
		}
		// Strictly greater: among equals, the first listed wins.
		if q > bestQ {
			best, bestQ = candidate, q
		}
	}
	return best, best != ""
}

// requestErrorStatus is the status of a request error (nothing executed):
// 503 when the database is down, else 200 for application/json clients
// (the spec's legacy rule) and 400 (429 when throttled) for
// graphql-response+json ones.
func requestErrorStatus(media string, list gqlerror.List) int {
	switch {
	case hasCode(list, errs.Unavailable):
		return http.StatusServiceUnavailable
	case media == mediaJSON:
		return http.StatusOK
	case hasCode(list, errs.Throttled):
		return http.StatusTooManyRequests
	default:
		return http.StatusBadRequest
	}
}

// hasCode reports whether an error in list carries extensions.code code.
func hasCode(list gqlerror.List, code errs.Code) bool {
	for _, e := range list {
		if c, _ := e.Extensions["code"].(string); c == string(code) {
			return true
		}
	}
	return false
}

// response is a GraphQL response whose data entry can be absent, as the
// spec requires for request errors (graphql.Response always writes it).
type response struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// withoutData is resp as a request error: errors only.
func withoutData(resp *graphql.Response) *response {
	return &response{Errors: resp.Errors, Extensions: resp.Extensions}
}

// writeResponse writes a GraphQL response with its status. A response that
// carries data always writes the entry, null included.
func writeResponse(w http.ResponseWriter, media string, status int, resp any) {
	var body []byte
	var err error
	switch r := resp.(type) {
	case *graphql.Response:
		if r.Data == nil {
			r.Data = json.RawMessage("null")
		}
		body, err = marshalResponse(r)
	default:
		body, err = json.Marshal(r)
	}
	if err != nil {
		// Only a resolver returning an unmarshalable value gets here.
		status = http.StatusInternalServerError
		body = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	h := w.Header()
	h.Set("Content-Type", media+"; charset=utf-8")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", unavailableRetryAfter)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// marshalResponse is json.Marshal(r), byte for byte, without passing the
// data through encoding/json's scanner when it need not: gqlgen has already
// written the data as JSON, and json.Marshal only compacts it (gqlgen's
// writers add no whitespace) and escapes <, >, & and U+2028/U+2029 in its
// strings, which appendCompactData does in one plain loop: 1.8 KB of
// OrderStatus took 14 µs, now 2-3 µs. Data that appendCompactData is
// not sure of (whitespace outside strings, unbalanced brackets or quotes),
// and responses with fields beside errors, data and extensions, go through
// json.Marshal as before.
func marshalResponse(r *graphql.Response) ([]byte, error) {
	if r.Label != "" || r.Path != nil || r.HasNext != nil || len(r.Extensions) > 0 {
		return json.Marshal(r)
	}
	body := make([]byte, 0, len(r.Data)+len(`{"data":}`)+64)
	body = append(body, '{')
	if len(r.Errors) > 0 {
		list, err := json.Marshal(r.Errors)
		if err != nil {
			return nil, err
		}
		body = append(append(append(body, `"errors":`...), list...), ',')
	}
	body = append(body, `"data":`...)
	body, ok := appendCompactData(body, r.Data)
	if !ok {
		return json.Marshal(r)
	}
	return append(body, '}'), nil
}

// appendCompactData appends data, JSON written by gqlgen, as json.Marshal
// writes a json.RawMessage: <, > and & as \u003c, \u003e and \u0026, and
// U+2028 and U+2029 as \u2028 and \u2029 (they appear only inside
// strings). It reports false, and the caller falls back to json.Marshal,
// when data has whitespace outside strings (json.Marshal would remove it)
// or its strings and brackets do not balance. It does not validate data
// further: gqlgen's marshalers and aftercart's scalars write valid JSON.
func appendCompactData(dst, data []byte) ([]byte, bool) {
	const hex = "0123456789abcdef"
	depth, inString, start := 0, false, 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			if !stringSpecial[c] {
				continue
			}
			switch {
			case c == '\\':
				i++ // the escaped byte is ASCII: \", \\, \/, b, f, n, r, t or u
			case c == '"':
				inString = false
			case c == 0xE2:
				if i+2 < len(data) && data[i+1] == 0x80 && data[i+2]&^1 == 0xA8 {
					dst = append(dst, data[start:i]...)
					dst = append(dst, '\\', 'u', '2', '0', '2', hex[data[i+2]&0xF])
					start = i + 3
					i += 2
				}
			default: // <, > or &
				dst = append(dst, data[start:i]...)
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
				start = i + 1
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return dst, false
			}
		case ' ', '\t', '\n', '\r', '<', '>', '&':
			return dst, false
		}
	}
	if inString || depth != 0 || len(data) == 0 {
		return dst, false
	}
	return append(dst, data[start:]...), true
}

// stringSpecial marks the bytes appendCompactData looks at inside a string.
var stringSpecial = [256]bool{'\\': true, '"': true, '<': true, '>': true, '&': true, 0xE2: true}

// writeRequestError writes a one-error response that never reached GraphQL.
func writeRequestError(w http.ResponseWriter, media string, status int, code errs.Code, message string) {
	writeResponse(w, media, status, &response{Errors: gqlerror.List{{
		Message:    message,
		Extensions: map[string]any{"code": string(code)},
	}}})
}
