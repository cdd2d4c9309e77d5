package media_test

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/ratelimit"
)

func TestUploadMediaOverHTTP(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := testserver.Start(t, dbURL)
		s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-1", Items: 1})
		s.MustImport(t, testserver.OrderSpec{Email: "other@example.com", Number: "AC-2", Items: 1})
		mina := s.Token(t, auth.RoleCustomer, "mina@example.com")
		other := s.Token(t, auth.RoleCustomer, "other@example.com")

		photo := testserver.PhoneJPEG(t)
		var out testserver.Uploaded
		// The client's name and type are ignored: the content decides.
		s.Upload(t, mina, testserver.UploadPart{Filename: "IMG_0001.HEIC", ContentType: "application/octet-stream", Data: photo}).MustOK(t, &out)
		m := out.UploadMedia.Media
		if m.Kind != "PHOTO" || !strings.HasPrefix(m.URL, "/media/") || m.ThumbnailURL == nil || strings.Contains(m.URL, "IMG") {
			t.Fatalf("uploaded %+v", m)
		}
		res, original := s.GetMedia(t, m.URL)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || res.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(res.Header.Get("Cache-Control"), "immutable") || res.Header.Get("Content-Disposition") != "inline" {
			t.Fatalf("serving the original: %d %v", res.StatusCode, res.Header)
		}
		res, thumb := s.GetMedia(t, *m.ThumbnailURL)
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
		s.GQL(t, mina, q, map[string]any{"id": m.ID}).MustOK(t, &node)
		if node.Node.Width != 900 || node.Node.Height != 600 {
			t.Fatalf("node: %+v", node)
		}
		s.GQL(t, other, q, map[string]any{"id": m.ID}).MustCode(t, "NOT_FOUND")

		// A video, kept as uploaded, without a thumbnail; staff may upload.
		video, _ := os.ReadFile("testdata/tiny.webm")
		s.Upload(t, s.Token(t, auth.RoleAdmin, ""), testserver.UploadPart{Filename: "clip.webm", ContentType: "video/webm", Data: video}).MustOK(t, &out)
		if out.UploadMedia.Media.Kind != "VIDEO" || out.UploadMedia.Media.ThumbnailURL != nil {
			t.Fatalf("video: %+v", out.UploadMedia.Media)
		}
		if _, served := s.GetMedia(t, out.UploadMedia.Media.URL); !bytes.Equal(served, video) {
			t.Fatal("the video is not served as uploaded")
		}
	})
}

func TestUploadMediaRefusals(t *testing.T) {
	s := testserver.Start(t, "", func(c *app.Config) {
		c.MediaLimits = media.Limits{MaxPhotoBytes: 200 << 10, MaxVideoBytes: 300 << 10, MaxPixels: 1_000_000}
		c.MediaUploadRate = ratelimit.Rate{Burst: 6, Every: time.Hour}
	})
	s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-1", Items: 1})
	mina := s.Token(t, auth.RoleCustomer, "mina@example.com")
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
	r := s.Upload(t, "", testserver.UploadPart{Filename: "a.jpg", ContentType: "image/jpeg", Data: testserver.PhoneJPEG(t)})
	if r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous: %d %+v", r.Status, r.Errors)
	}
	for _, tc := range []struct {
		name string
		part testserver.UploadPart
		msg  string
	}{
		{"renamed executable", testserver.UploadPart{Filename: "cat.jpg", ContentType: "image/jpeg", Data: exeBytes[:100<<10]}, "application/x-executable"},
		{"svg", testserver.UploadPart{Filename: "cat.png", ContentType: "image/png", Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)}, "not a JPEG"},
		{"html", testserver.UploadPart{Filename: "cat.webp", ContentType: "image/webp", Data: []byte(`<!doctype html><script>alert(1)</script>`)}, "text/html"},
		{"photo over the cap", testserver.UploadPart{Filename: "big.jpg", ContentType: "image/jpeg", Data: append(testserver.PhoneJPEG(t), make([]byte, 200<<10)...)}, "at most 200 KB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Upload(t, mina, tc.part)
			r.MustCode(t, "INVALID_INPUT")
			if r.Errors[0].Extensions["field"] != "file" || !strings.Contains(r.Errors[0].Message, tc.msg) {
				t.Fatalf("error %+v", r.Errors[0])
			}
		})
	}
	if n := rows(); n != 0 {
		t.Fatalf("refused uploads left %d rows", n)
	}
	// Over the transport's limit (the largest cap): 413, however framed.
	r = s.Upload(t, mina, testserver.UploadPart{Filename: "huge.mp4", ContentType: "video/mp4", Data: make([]byte, 301<<10)})
	if r.Status != http.StatusRequestEntityTooLarge || r.Code() != "BAD_REQUEST" {
		t.Fatalf("over the limit: %d %+v", r.Status, r.Errors)
	}
	huge, hugeCT := testserver.MultipartBody(t, testserver.UploadMediaMutation, testserver.UploadPart{Filename: "huge.mp4", ContentType: "video/mp4", Data: make([]byte, 301<<10)})
	r = s.PostMultipart(t, mina, io.MultiReader(huge), hugeCT) // no Content-Length: chunked
	if r.Status != http.StatusRequestEntityTooLarge || r.Code() != "BAD_REQUEST" {
		t.Fatalf("over the limit, chunked: %d %+v", r.Status, r.Errors)
	}
	// Malformed multipart requests: 400 BAD_REQUEST.
	body, ct := testserver.MultipartBody(t, testserver.UploadMediaMutation, testserver.UploadPart{Filename: "a.jpg", ContentType: "image/jpeg", Data: testserver.PhoneJPEG(t)})
	broken := strings.Replace(body.String(), `"variables.file"`, `"variables.nothere.x"`, 1)
	if r := s.PostMultipart(t, mina, strings.NewReader(broken), ct); r.Status != 400 || r.Code() != "BAD_REQUEST" {
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
		if r := s.PostMultipart(t, mina, strings.NewReader(edit(body.String())), ct); r.Status != 400 || r.Code() != "BAD_REQUEST" {
			t.Fatalf("%s: %d %+v", name, r.Status, r.Errors)
		}
	}
	batch := strings.Replace(body.String(), `{"query"`, `[{"query"`, 1)
	batch = strings.Replace(batch, `"file":null}}`, `"file":null}}]`, 1)
	if r := s.PostMultipart(t, mina, strings.NewReader(batch), ct); r.Status != 400 || !strings.Contains(r.Errors[0].Message, "batched") {
		t.Fatalf("a batch: %d %+v", r.Status, r.Errors)
	}

	// The upload rate: six at once, the four refused above counted (abuse
	// is what it bounds), so two more pass, then THROTTLED with retryAfter.
	var last *testserver.Response
	for range 3 {
		last = s.Upload(t, mina, testserver.UploadPart{Filename: "a.jpg", ContentType: "image/jpeg", Data: testserver.PhoneJPEG(t)})
	}
	last.MustCode(t, "THROTTLED")
	if last.Errors[0].Extensions["retryAfter"] == nil || last.Header.Get("Retry-After") == "" {
		t.Fatalf("throttled without retryAfter: %+v %v", last.Errors[0], last.Header)
	}
	if n := rows(); n != 2 {
		t.Fatalf("%d rows, want the two uploads that passed", n)
	}
}
