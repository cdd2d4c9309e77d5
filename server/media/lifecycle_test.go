package media_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/media"
)

// attach runs Attach in a transaction of its own, as a review would.
func (e *env) attach(t *testing.T, ctx context.Context, ids ...int) error {
	t.Helper()
	return e.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		_, err := e.svc.Attach(ctx, tx, "input.mediaIds", ids)
		return err
	})
}

func TestAttach(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, media.Limits{})
		mine, err := e.upload(t, e.alice, testJPEG(t, 8, 8))
		if err != nil {
			t.Fatal(err)
		}
		second, _ := e.upload(t, e.alice, testJPEG(t, 8, 8))
		bobs, _ := e.upload(t, e.bob, testJPEG(t, 8, 8))

		// Someone else's media looks missing, and nothing is attached.
		err = e.attach(t, e.alice, mine.ID, bobs.ID)
		wantCode(t, err, errs.NotFound)
		if f, _ := errs.As(err); f.Field != "input.mediaIds[1]" {
			t.Fatalf("field %q", f.Field)
		}
		if got := e.db.Media.GetX(auth.WithSystem(context.Background()), mine.ID); got.AttachedAt != nil {
			t.Fatal("a refused Attach attached media")
		}
		wantCode(t, e.attach(t, e.alice, mine.ID, mine.ID), errs.InvalidInput)
		wantCode(t, e.attach(t, e.anon, mine.ID), errs.Unauthenticated)
		wantCode(t, e.attach(t, e.admin, mine.ID), errs.NotFound) // staff attach their own uploads only

		if err := e.attach(t, e.alice, mine.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.attach(t, e.alice, mine.ID), errs.Conflict)

		// Past the TTL an upload can no longer be attached.
		e.clock.Advance(media.UnattachedTTL + time.Minute)
		wantCode(t, e.attach(t, e.alice, second.ID), errs.InvalidInput)

		// A rolled-back transaction leaves the media unattached.
		fresh, _ := e.upload(t, e.alice, testJPEG(t, 8, 8))
		_ = e.db.WithTx(auth.WithSystem(e.alice), func(ctx context.Context, tx *ent.Tx) error {
			if _, err := e.svc.Attach(ctx, tx, "mediaIds", []int{fresh.ID}); err != nil {
				t.Fatal(err)
			}
			return errs.Invalid("body", "the review failed after attaching")
		})
		if err := e.attach(t, e.alice, fresh.ID); err != nil {
			t.Fatalf("after a rollback the media must still be attachable: %v", err)
		}
	})
}

func TestCleanupDeletesUnattachedAfterADay(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, media.Limits{})
		sys := auth.WithSystem(context.Background())
		attached, _ := e.upload(t, e.alice, testJPEG(t, 8, 8))
		if err := e.attach(t, e.alice, attached.ID); err != nil {
			t.Fatal(err)
		}
		old, _ := e.upload(t, e.alice, testJPEG(t, 8, 8))
		video, _ := os.ReadFile("testdata/tiny.webm")
		oldVideo, _ := e.upload(t, e.bob, video)
		e.clock.Advance(20 * time.Hour)
		young, _ := e.upload(t, e.bob, testJPEG(t, 8, 8))
		if n := len(e.blobs(t)); n != 7 {
			t.Fatalf("%d blobs before cleanup, want 7", n)
		}

		// 20 h: nothing is old enough.
		if n, err := e.svc.Cleanup(context.Background()); err != nil || n != 0 {
			t.Fatalf("at 20 h Cleanup deleted %d (%v)", n, err)
		}
		// 26 h: the two unattached uploads of the first hour go, blobs and
		// rows; the attached one and the young one stay.
		e.clock.Advance(6 * time.Hour)
		n, err := e.svc.Cleanup(context.Background())
		if err != nil || n != 2 {
			t.Fatalf("at 26 h Cleanup deleted %d (%v), want 2", n, err)
		}
		for _, m := range []*ent.Media{old, oldVideo} {
			if _, err := e.db.Media.Get(sys, m.ID); !ent.IsNotFound(err) {
				t.Errorf("row %d still there (%v)", m.ID, err)
			}
			if ok, _ := e.bucket.Exists(sys, m.BlobKey); ok {
				t.Errorf("blob %s still there", m.BlobKey)
			}
		}
		if ok, _ := e.bucket.Exists(sys, *old.ThumbnailKey); ok {
			t.Error("the thumbnail is still there")
		}
		for _, m := range []*ent.Media{attached, young} {
			if _, err := e.db.Media.Get(sys, m.ID); err != nil {
				t.Errorf("row %d gone: %v", m.ID, err)
			}
		}
		if n := len(e.blobs(t)); n != 4 {
			t.Fatalf("%d blobs after cleanup, want 4", n)
		}
		// A row whose blobs are already gone (a cleanup stopped halfway)
		// is still deleted.
		e.clock.Advance(30 * time.Hour)
		_ = e.bucket.Delete(sys, young.BlobKey)
		if n, err := e.svc.Cleanup(context.Background()); err != nil || n != 1 {
			t.Fatalf("cleanup after a partial one: %d (%v)", n, err)
		}
	})
}

func TestRunCleansOnTheClock(t *testing.T) {
	e := newEnv(t, "", media.Limits{})
	m, _ := e.upload(t, e.alice, testJPEG(t, 8, 8))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.svc.Run(ctx, time.Hour); close(done) }()
	sys := auth.WithSystem(context.Background())
	for h := 0; ; h++ {
		// One waiter: Run has finished a round and waits on its timer.
		if err := e.clock.BlockUntilContext(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Media.Get(sys, m.ID); ent.IsNotFound(err) {
			if h < 25 {
				t.Fatalf("deleted after %d hours", h)
			}
			break
		}
		if h > 30 {
			t.Fatal("not deleted after 30 hours")
		}
		e.clock.Advance(time.Hour)
	}
	cancel()
	<-done
}

func TestHandlerServesWithHeaders(t *testing.T) {
	e := newEnv(t, "", media.Limits{})
	video, _ := os.ReadFile("testdata/tiny.mp4")
	v, err := e.upload(t, e.alice, video)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.upload(t, e.alice, testJPEG(t, 500, 300))
	mux := http.NewServeMux()
	mux.Handle(media.PathPrefix, e.svc.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string, hdr map[string]string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	res, body := get(media.URL(v.BlobKey), nil)
	for k, want := range map[string]string{
		"Content-Type":           "video/mp4",
		"X-Content-Type-Options": "nosniff",
		"Content-Disposition":    "inline",
		"Cache-Control":          "public, max-age=31536000, immutable",
		"Accept-Ranges":          "bytes",
		"ETag":                   `"` + v.BlobKey + `"`,
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if res.StatusCode != 200 || string(body) != string(video) {
		t.Fatalf("status %d, %d bytes", res.StatusCode, len(body))
	}
	res, body = get(media.URL(v.BlobKey), map[string]string{"Range": "bytes=100-199"})
	if res.StatusCode != http.StatusPartialContent || string(body) != string(video[100:200]) {
		t.Fatalf("range: status %d, %d bytes", res.StatusCode, len(body))
	}
	if res, _ = get(media.URL(v.BlobKey), map[string]string{"If-None-Match": `"` + v.BlobKey + `"`}); res.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: status %d", res.StatusCode)
	}
	res, _ = get(media.URL(*p.ThumbnailKey), nil)
	if res.Header.Get("Content-Type") != "image/jpeg" || res.StatusCode != 200 {
		t.Fatalf("thumbnail: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, path := range []string{media.PathPrefix + "../aftercart.db", media.PathPrefix + "nope", media.URL("abcdefghijklmnopqrstuvwxyz234567")} {
		if res, _ := get(path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
	}
}

func TestConcurrentAttachOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, media.Limits{})
		m, err := e.upload(t, e.alice, testJPEG(t, 8, 8))
		if err != nil {
			t.Fatal(err)
		}
		const n = 10
		results := make(chan error, n)
		for range n {
			go func() { results <- e.attach(t, e.alice, m.ID) }()
		}
		ok, conflicts := 0, 0
		for range n {
			switch err := <-results; errs.CodeOf(err) {
			case errs.Conflict:
				conflicts++
			default:
				if err != nil {
					t.Errorf("unexpected: %v", err)
				} else {
					ok++
				}
			}
		}
		if ok != 1 || conflicts != n-1 {
			t.Fatalf("%d attached, %d conflicts; want 1 and %d", ok, conflicts, n-1)
		}
	})
}
