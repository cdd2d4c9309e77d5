package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// MaxUploadFiles bounds the files of one multipart request: a post's ten
// photos, uploaded through aliases of uploadMedia in one operation.
const MaxUploadFiles = 10

// The GraphQL multipart request spec
// (github.com/jaydenseric/graphql-multipart-request-spec), on aftercart's
// own transport rather than gqlgen's transport.MultipartForm, so that the
// transport's rules hold for uploads too: one operation per request (a JSON
// array in "operations" is refused like a batch), the same 400/413/415
// answers, and a body limit however the body is framed. gqlgen's version
// parses the whole form first (r.ParseMultipartForm) and answers its errors
// in its own shape.
//
// The parts are read as they stream in: "operations" (at most maxBody),
// then "map" (at most maxBody), then the files, each copied to a temporary
// file of at most maxUpload bytes (the largest file any media kind accepts;
// the media service applies the per-kind caps once it knows the kind) and
// removed when the response has been written. The whole body is bounded by
// maxBody + maxUpload, checked from Content-Length before reading and while
// reading without one (413).
//
// A multipart request must carry a bearer token, or it gets 401
// UNAUTHENTICATED before its body is read. Two reasons: multipart/form-data
// is the one body a cross-site HTML form can post without a CORS preflight
// (the CSRF rule that refuses other form posts), and an Authorization
// header cannot be sent cross-site without one; and no anonymous caller may
// upload, so there is no reason to let one make the server spool 100 MB to
// disk before saying so.

// isUpload reports whether r is a multipart request this transport takes.
func (t httpTransport) isUpload(r *http.Request) bool {
	if t.maxUpload <= 0 || r.Method != http.MethodPost {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// bodyLimit is the most r's body may hold: maxBody, plus maxUpload for a
// multipart request.
func (t httpTransport) bodyLimit(r *http.Request) int64 {
	if t.isUpload(r) {
		return t.maxBody + t.maxUpload
	}
	return t.maxBody
}

// paramsFromMultipart reads a GraphQL multipart request. cleanup removes
// the temporary files; call it (also after an error) once the response is
// written.
func (t httpTransport) paramsFromMultipart(w http.ResponseWriter, r *http.Request) (_ *graphql.RawParams, cleanup func(), _ *requestError) {
	var files []*os.File
	cleanup = func() {
		for _, f := range files {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}
	if _, ok := auth.FromContext(r.Context()); !ok {
		return nil, cleanup, &requestError{status: http.StatusUnauthorized, code: errs.Unauthenticated,
			message: "uploads (multipart requests) need a bearer token: send Authorization: Bearer <token>"}
	}
	_, mtParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	boundary := mtParams["boundary"]
	if boundary == "" {
		return nil, cleanup, badRequest("the multipart Content-Type has no boundary")
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, t.bodyLimit(r)), boundary)
	ops, bad := t.formField(mr, "operations")
	if bad != nil {
		return nil, cleanup, bad
	}
	params, bad := decodeParams(ops)
	if bad != nil {
		return nil, cleanup, bad
	}
	rawMap, bad := t.formField(mr, "map")
	if bad != nil {
		return nil, cleanup, bad
	}
	var fileMap map[string][]string
	if err := json.Unmarshal(rawMap, &fileMap); err != nil || fileMap == nil {
		return nil, cleanup, badRequest(`the map field must be a JSON object of file field names to lists of paths, e.g. {"0": ["variables.file"]}`)
	}
	if len(fileMap) > MaxUploadFiles {
		return nil, cleanup, badRequest("at most %d files per request; this one maps %d", MaxUploadFiles, len(fileMap))
	}
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, cleanup, t.readProblem(err)
		}
		name := part.FormName()
		paths, ok := fileMap[name]
		switch {
		case !ok:
			return nil, cleanup, badRequest("the form field %q is not in the map", truncate(name, 64))
		case seen[name]:
			return nil, cleanup, badRequest("the form field %q is sent twice", truncate(name, 64))
		}
		seen[name] = true
		f, err := os.CreateTemp("", "aftercart-upload-*")
		if err != nil {
			return nil, cleanup, &requestError{status: http.StatusInternalServerError, code: errs.Internal, message: "could not store the upload"}
		}
		files = append(files, f)
		n, err := io.Copy(f, io.LimitReader(part, t.maxUpload+1))
		if err != nil {
			return nil, cleanup, t.readProblem(err)
		}
		if n > t.maxUpload {
			return nil, cleanup, &requestError{status: http.StatusRequestEntityTooLarge,
				message: fmt.Sprintf("a file is over %d bytes, the largest upload accepted", t.maxUpload)}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, cleanup, &requestError{status: http.StatusInternalServerError, code: errs.Internal, message: "could not store the upload"}
		}
		up := graphql.Upload{File: f, Filename: part.FileName(), Size: n, ContentType: part.Header.Get("Content-Type")}
		for _, path := range paths {
			if bad := setUpload(params, path, up); bad != nil {
				return nil, cleanup, bad
			}
		}
	}
	for name := range fileMap {
		if !seen[name] {
			return nil, cleanup, badRequest("the map names the form field %q, which was not sent", truncate(name, 64))
		}
	}
	return params, cleanup, nil
}

// formField reads the next part, which must be the field name (the spec
// orders operations, then map, then the files), of at most maxBody bytes.
func (t httpTransport) formField(mr *multipart.Reader, name string) ([]byte, *requestError) {
	part, err := mr.NextPart()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, badRequest("the multipart body ends before its %q field", name)
		}
		return nil, t.readProblem(err)
	}
	if part.FormName() != name || part.FileName() != "" {
		return nil, badRequest("the multipart body must start with the fields operations and map, in that order (got %q where %q belongs)", truncate(part.FormName(), 64), name)
	}
	b, err := io.ReadAll(io.LimitReader(part, t.maxBody+1))
	if err != nil {
		return nil, t.readProblem(err)
	}
	if int64(len(b)) > t.maxBody {
		return nil, &requestError{status: http.StatusRequestEntityTooLarge, message: fmt.Sprintf("the %s field is over %d bytes", name, t.maxBody)}
	}
	return b, nil
}

// readProblem answers a failure reading the body: 413 past the body limit,
// else a malformed multipart body.
func (t httpTransport) readProblem(err error) *requestError {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &requestError{status: http.StatusRequestEntityTooLarge, message: fmt.Sprintf("the request body is over %d bytes", tooLarge.Limit)}
	}
	return badRequest("the multipart body is malformed")
}

// setUpload puts up where path ("variables.file", "variables.files.1")
// points in params. The spec has clients send null there; a path that
// does not lead to a null or missing variable is refused.
func setUpload(params *graphql.RawParams, path string, up graphql.Upload) *requestError {
	segs := strings.Split(path, ".")
	if len(segs) < 2 || segs[0] != "variables" {
		return badRequest("the map path %q must start with variables.", truncate(path, 64))
	}
	if params.Variables == nil {
		params.Variables = map[string]any{}
	}
	var cur any = params.Variables
	for i, seg := range segs[1:] {
		last := i == len(segs)-2
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if v, ok := c[seg]; ok && v != nil {
					return badRequest("the map path %q points at a value that is not null", truncate(path, 64))
				}
				c[seg] = up
				return nil
			}
			cur = c[seg]
		case []any:
			idx, err := strconv.Atoi(seg)
			if err != nil || idx < 0 || idx >= len(c) {
				return badRequest("the map path %q has no element %q", truncate(path, 64), truncate(seg, 16))
			}
			if last {
				if c[idx] != nil {
					return badRequest("the map path %q points at a value that is not null", truncate(path, 64))
				}
				c[idx] = up
				return nil
			}
			cur = c[idx]
		default:
			return badRequest("the map path %q leads nowhere in the variables", truncate(path, 64))
		}
	}
	return badRequest("the map path %q leads nowhere in the variables", truncate(path, 64))
}
