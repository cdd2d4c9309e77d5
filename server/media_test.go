package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// uploadMediaMutation is the contract, verbatim.
const uploadMediaMutation = `mutation UploadMedia($file: Upload!) { uploadMedia(file: $file) { media { id url thumbnailUrl kind } } }`

// uploadPart is one file of a multipart request.
type uploadPart struct {
	filename, contentType string
	data                  []byte
}

// multipartBody builds a GraphQL multipart request (operations, map, files)
// for query with the files as variables file (one) or files.N.
func multipartBody(t testing.TB, query string, files ...uploadPart) (body *bytes.Buffer, contentType string) {
	t.Helper()
	vars := map[string]any{"file": nil}
	fileMap := map[string][]string{"0": {"variables.file"}}
	if len(files) > 1 {
		list := make([]any, len(files))
		vars = map[string]any{"files": list}
		fileMap = map[string][]string{}
		for i := range files {
			fileMap[fmt.Sprint(i)] = []string{fmt.Sprintf("variables.files.%d", i)}
		}
	}
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	m, _ := json.Marshal(fileMap)
	body = &bytes.Buffer{}
	w := multipart.NewWriter(body)
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", string(m))
	for i, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%d"; filename="%s"`, i, f.filename))
		h.Set("Content-Type", f.contentType)
		pw, _ := w.CreatePart(h)
		_, _ = pw.Write(f.data)
	}
	_ = w.Close()
	return body, w.FormDataContentType()
}

// postMultipart posts a multipart body to /query as token ("" anonymous).
func (s *testServer) postMultipart(t testing.TB, token string, body io.Reader, contentType string) *gqlResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/query", body)
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := &gqlResponse{Status: res.StatusCode, Header: res.Header}
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("status %d, body %q: %v", res.StatusCode, raw, err)
	}
	return out
}

// upload sends uploadMedia with one file.
func (s *testServer) upload(t testing.TB, token string, f uploadPart) *gqlResponse {
	t.Helper()
	body, ct := multipartBody(t, uploadMediaMutation, f)
	return s.postMultipart(t, token, body, ct)
}

// uploaded is uploadMedia's answer.
type uploaded struct {
	UploadMedia struct {
		Media struct {
			ID, URL, Kind string
			ThumbnailURL  *string
		}
	}
}

// phoneJPEG is a JPEG with an EXIF APP1 segment as a phone writes one: a
// camera make and a GPS position (Berlin), orientation upright.
func phoneJPEG(t testing.TB) []byte {
	t.Helper()
	var enc bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 900, 600))
	for i := range img.Pix {
		img.Pix[i] = byte(i / 7)
	}
	if err := jpeg.Encode(&enc, img, nil); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	_ = binary.Write(&tiff, le, uint32(8))
	entry := func(tag, typ uint16, count, value uint32) {
		for _, v := range []any{tag, typ, count, value} {
			_ = binary.Write(&tiff, le, v)
		}
	}
	_ = binary.Write(&tiff, le, uint16(2))
	entry(0x010F, 2, 16, 8+2+2*12+4)   // Make
	entry(0x8825, 4, 1, 8+2+2*12+4+16) // GPS IFD
	_ = binary.Write(&tiff, le, uint32(0))
	tiff.WriteString("SecretPhone-4711")
	_ = binary.Write(&tiff, le, uint16(1))
	entry(0x0001, 2, 2, uint32('N')) // GPSLatitudeRef
	_ = binary.Write(&tiff, le, uint32(0))
	app1 := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(enc.Bytes()[:2])
	out.Write([]byte{0xFF, 0xE1})
	_ = binary.Write(&out, binary.BigEndian, uint16(len(app1)+2))
	out.Write(app1)
	out.Write(enc.Bytes()[2:])
	return out.Bytes()
}

// getMedia fetches a media URL from the server.
func (s *testServer) getMedia(t testing.TB, path string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(s.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func TestUploadMediaOverHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		s.mustImport(t, orderSpec{email: "mina@example.com", number: "AC-1", items: 1})
		s.mustImport(t, orderSpec{email: "other@example.com", number: "AC-2", items: 1})
		mina := s.token(t, auth.RoleCustomer, "mina@example.com")
		other := s.token(t, auth.RoleCustomer, "other@example.com")

		photo := phoneJPEG(t)
		var out uploaded
		// The client's name and type are ignored: the content decides.
		s.upload(t, mina, uploadPart{"IMG_0001.HEIC", "application/octet-stream", photo}).mustOK(t, &out)
		m := out.UploadMedia.Media
		if m.Kind != "PHOTO" || !strings.HasPrefix(m.URL, "/media/") || m.ThumbnailURL == nil || strings.Contains(m.URL, "IMG") {
			t.Fatalf("uploaded %+v", m)
		}
		res, original := s.getMedia(t, m.URL)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || res.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(res.Header.Get("Cache-Control"), "immutable") || res.Header.Get("Content-Disposition") != "inline" {
			t.Fatalf("serving the original: %d %v", res.StatusCode, res.Header)
		}
		res, thumb := s.getMedia(t, *m.ThumbnailURL)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("serving the thumbnail: %d %v", res.StatusCode, res.Header)
		}
		for name, b := range map[string][]byte{"original": original, "thumbnail": thumb} {
			for _, marker := range []string{"Exif\x00\x00", "SecretPhone", "II*\x00"} {
				if bytes.Contains(b, []byte(marker)) {
					t.Errorf("the served %s still contains %q", name, marker)
				}
			}
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb)); err != nil || cfg.Width != 400 || cfg.Height != 267 {
			t.Fatalf("thumbnail %+v %v", cfg, err)
		}

		// The owner sees it by id; another customer gets NOT_FOUND.
		q := `query($id: ID!) { node(id: $id) { ... on Media { id kind contentType width height url } } }`
		var node struct{ Node struct{ Width, Height int } }
		s.gql(t, mina, q, map[string]any{"id": m.ID}).mustOK(t, &node)
		if node.Node.Width != 900 || node.Node.Height != 600 {
			t.Fatalf("node: %+v", node)
		}
		s.gql(t, other, q, map[string]any{"id": m.ID}).mustCode(t, "NOT_FOUND")

		// A video, kept as uploaded, without a thumbnail; staff may upload.
		video, _ := os.ReadFile("media/testdata/tiny.webm")
		s.upload(t, s.token(t, auth.RoleAdmin, ""), uploadPart{"clip.webm", "video/webm", video}).mustOK(t, &out)
		if out.UploadMedia.Media.Kind != "VIDEO" || out.UploadMedia.Media.ThumbnailURL != nil {
			t.Fatalf("video: %+v", out.UploadMedia.Media)
		}
		if _, served := s.getMedia(t, out.UploadMedia.Media.URL); !bytes.Equal(served, video) {
			t.Fatal("the video is not served as uploaded")
		}
	})
}

func TestUploadMediaRefusals(t *testing.T) {
	s := mustServer(t, "", func(c *app.Config) {
		c.MediaLimits = media.Limits{MaxPhotoBytes: 200 << 10, MaxVideoBytes: 300 << 10, MaxPixels: 1_000_000}
		c.MediaUploadRate = ratelimit.Rate{Burst: 6, Every: time.Hour}
	})
	s.mustImport(t, orderSpec{email: "mina@example.com", number: "AC-1", items: 1})
	mina := s.token(t, auth.RoleCustomer, "mina@example.com")
	rows := func() int {
		n, err := s.DB.Media.Query().Count(auth.WithSystem(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	exe, _ := os.Executable()
	exeBytes, _ := os.ReadFile(exe)

	// Anonymous: 401 before the body is read.
	r := s.upload(t, "", uploadPart{"a.jpg", "image/jpeg", phoneJPEG(t)})
	if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous: %d %+v", r.Status, r.Errors)
	}
	for _, tc := range []struct {
		name string
		part uploadPart
		msg  string
	}{
		{"renamed executable", uploadPart{"cat.jpg", "image/jpeg", exeBytes[:100<<10]}, "application/x-executable"},
		{"svg", uploadPart{"cat.png", "image/png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)}, "not a JPEG"},
		{"html", uploadPart{"cat.webp", "image/webp", []byte(`<!doctype html><script>alert(1)</script>`)}, "text/html"},
		{"photo over the cap", uploadPart{"big.jpg", "image/jpeg", append(phoneJPEG(t), make([]byte, 200<<10)...)}, "at most 200 KB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.upload(t, mina, tc.part)
			r.mustCode(t, "INVALID_INPUT")
			if r.Errors[0].Extensions["field"] != "file" || !strings.Contains(r.Errors[0].Message, tc.msg) {
				t.Fatalf("error %+v", r.Errors[0])
			}
		})
	}
	if n := rows(); n != 0 {
		t.Fatalf("refused uploads left %d rows", n)
	}
	// Over the transport's limit (the largest cap): 413, however framed.
	r = s.upload(t, mina, uploadPart{"huge.mp4", "video/mp4", make([]byte, 301<<10)})
	if r.Status != http.StatusRequestEntityTooLarge || r.code() != "BAD_REQUEST" {
		t.Fatalf("over the limit: %d %+v", r.Status, r.Errors)
	}
	huge, hugeCT := multipartBody(t, uploadMediaMutation, uploadPart{"huge.mp4", "video/mp4", make([]byte, 301<<10)})
	r = s.postMultipart(t, mina, io.MultiReader(huge), hugeCT) // no Content-Length: chunked
	if r.Status != http.StatusRequestEntityTooLarge || r.code() != "BAD_REQUEST" {
		t.Fatalf("over the limit, chunked: %d %+v", r.Status, r.Errors)
	}
	// Malformed multipart requests: 400 BAD_REQUEST.
	body, ct := multipartBody(t, uploadMediaMutation, uploadPart{"a.jpg", "image/jpeg", phoneJPEG(t)})
	broken := strings.Replace(body.String(), `"variables.file"`, `"variables.nothere.x"`, 1)
	if r := s.postMultipart(t, mina, strings.NewReader(broken), ct); r.Status != 400 || r.code() != "BAD_REQUEST" {
		t.Fatalf("a map path that leads nowhere: %d %+v", r.Status, r.Errors)
	}
	for name, edit := range map[string]func(string) string{
		"a map naming a file that is not sent": func(b string) string {
			return strings.Replace(b, `{"0":["variables.file"]}`, `{"0":["variables.file"],"1":["variables.other"]}`, 1)
		},
		"eleven files": func(b string) string {
			var m []string
			for i := range 11 {
				m = append(m, fmt.Sprintf(`"%d":["variables.f%d"]`, i, i))
			}
			return strings.Replace(b, `{"0":["variables.file"]}`, "{"+strings.Join(m, ",")+"}", 1)
		},
		"map before operations": func(b string) string {
			return strings.Replace(strings.Replace(b, `name="operations"`, `name="tmp"`, 1), `name="map"`, `name="operations"`, 1)
		},
	} {
		if r := s.postMultipart(t, mina, strings.NewReader(edit(body.String())), ct); r.Status != 400 || r.code() != "BAD_REQUEST" {
			t.Fatalf("%s: %d %+v", name, r.Status, r.Errors)
		}
	}
	batch := strings.Replace(body.String(), `{"query"`, `[{"query"`, 1)
	batch = strings.Replace(batch, `"file":null}}`, `"file":null}}]`, 1)
	if r := s.postMultipart(t, mina, strings.NewReader(batch), ct); r.Status != 400 || !strings.Contains(r.Errors[0].Message, "batched") {
		t.Fatalf("a batch: %d %+v", r.Status, r.Errors)
	}

	// The upload rate: six at once, the four refused above counted (abuse
	// is what it bounds), so two more pass, then THROTTLED with retryAfter.
	var last *gqlResponse
	for range 3 {
		last = s.upload(t, mina, uploadPart{"a.jpg", "image/jpeg", phoneJPEG(t)})
	}
	last.mustCode(t, "THROTTLED")
	if last.Errors[0].Extensions["retryAfter"] == nil || last.Header.Get("Retry-After") == "" {
		t.Fatalf("throttled without retryAfter: %+v %v", last.Errors[0], last.Header)
	}
	if n := rows(); n != 2 {
		t.Fatalf("%d rows, want the two uploads that passed", n)
	}
}
