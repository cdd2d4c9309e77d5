package media_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"gocloud.dev/blob"

	"github.com/aftercart/aftercart/ent"
	entmedia "github.com/aftercart/aftercart/ent/media"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/ratelimit"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// eachDB runs f on the embedded SQLite and on a fresh Postgres database.
func eachDB(t *testing.T, f func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, "") })
	t.Run("postgres", func(t *testing.T) { f(t, testserver.MigratedDatabase(t)) })
}

// env is a media service on a real database and a real folder.
type env struct {
	db      *db.DB
	svc     *media.Service
	bucket  *blob.Bucket
	dir     string
	clock   *clockwork.FakeClock
	alice   context.Context // a customer
	bob     context.Context // another customer
	admin   context.Context
	anon    context.Context
	aliceID int
}

func newEnv(t *testing.T, dbURL string, limits media.Limits) *env {
	t.Helper()
	ctx := context.Background()
	dataDir := t.TempDir()
	d, err := db.Open(db.Config{URL: dbURL, DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	bucket, err := media.OpenBucket(ctx, "", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))
	e := &env{db: d, bucket: bucket, dir: filepath.Join(dataDir, media.DefaultDir), clock: clock, anon: ctx}
	e.svc = media.NewService(d, media.Config{Bucket: bucket, Limits: limits, Clock: clock,
		UploadRate: ratelimit.Rate{Burst: 100, Every: time.Second}})
	customer := func(email string) context.Context {
		c, err := d.Customer.Create().SetEmail(email).SetFirstName("Test").Save(auth.WithSystem(ctx))
		if err != nil {
			t.Fatal(err)
		}
		return auth.NewContext(ctx, &auth.Viewer{Role: auth.RoleCustomer, Email: email, Subject: email, CustomerID: c.ID})
	}
	e.alice, e.bob = customer("alice@example.com"), customer("bob@example.com")
	v, _ := auth.FromContext(e.alice)
	e.aliceID = v.CustomerID
	e.admin = auth.NewContext(ctx, &auth.Viewer{Role: auth.RoleAdmin, Subject: "admin"})
	return e
}

// upload stores data as ctx's viewer.
func (e *env) upload(t *testing.T, ctx context.Context, data []byte) (*ent.Media, error) {
	t.Helper()
	res, err := e.svc.Upload(ctx, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return res.Media, nil
}

// blobs lists the files in the media folder (fileblob's .attrs sidecars
// left out).
func (e *env) blobs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		if filepath.Ext(en.Name()) != ".attrs" {
			out = append(out, en.Name())
		}
	}
	return out
}

func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// grayPNG is a w×h PNG of one grey: a few KB whatever its pixel count.
func grayPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("want %s, got %v (%s)", code, err, got)
	}
}

func TestUploadStoresPhotoAndVideo(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, media.Limits{})
		photo := testJPEG(t, 800, 600)
		m, err := e.upload(t, e.alice, photo)
		if err != nil {
			t.Fatal(err)
		}
		if m.Kind != entmedia.KindPHOTO || m.ContentType != "image/jpeg" || *m.Width != 800 || *m.Height != 600 || m.ThumbnailKey == nil {
			t.Fatalf("photo row: %+v", m)
		}
		stored, err := e.bucket.ReadAll(context.Background(), m.BlobKey)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(stored)
		if hex.EncodeToString(sum[:]) != m.Sha256 || int64(len(stored)) != m.ByteSize {
			t.Fatal("the row's sha256 and size are not the stored original's")
		}
		if *m.OwnerCustomerID != e.aliceID || m.AttachedAt != nil {
			t.Fatalf("owner %v attached %v", m.OwnerCustomerID, m.AttachedAt)
		}

		video, _ := os.ReadFile("testdata/tiny.mp4")
		v, err := e.upload(t, e.admin, video)
		if err != nil {
			t.Fatal(err)
		}
		kept, _ := e.bucket.ReadAll(context.Background(), v.BlobKey)
		if v.Kind != entmedia.KindVIDEO || v.ContentType != "video/mp4" || !bytes.Equal(kept, video) || v.ThumbnailKey != nil || *v.OwnerStaff != "admin" {
			t.Fatalf("video row %+v; bytes kept as uploaded: %v", v, bytes.Equal(kept, video))
		}
		webm, _ := os.ReadFile("testdata/tiny.webm")
		if w, err := e.upload(t, e.bob, webm); err != nil || w.ContentType != "video/webm" {
			t.Fatalf("webm: %v %+v", err, w)
		}
		if n := len(e.blobs(t)); n != 4 {
			t.Fatalf("%d blobs, want 4 (photo, thumbnail, two videos)", n)
		}
	})
}

func TestUploadRefusals(t *testing.T) {
	e := newEnv(t, "", media.Limits{MaxPhotoBytes: 20_000, MaxVideoBytes: 1_000, MaxPixels: 1_000_000})
	mp4, _ := os.ReadFile("testdata/tiny.mp4")
	exe, _ := os.Executable()
	exeBytes, _ := os.ReadFile(exe)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		data []byte
		code errs.Code
	}{
		{"anonymous", e.anon, testJPEG(t, 10, 10), errs.Unauthenticated},
		{"executable", e.alice, exeBytes[:64<<10], errs.InvalidInput},
		{"html", e.alice, []byte("<html><script>alert(1)</script></html>"), errs.InvalidInput},
		{"empty", e.alice, nil, errs.InvalidInput},
		{"photo over the size cap", e.alice, testJPEG(t, 600, 400), errs.InvalidInput},
		{"photo over the pixel cap", e.alice, grayPNG(t, 1100, 1000), errs.InvalidInput},
		{"video over the size cap", e.alice, mp4, errs.InvalidInput},
		{"truncated mp4", e.alice, mp4[:900], errs.InvalidInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.upload(t, tc.ctx, tc.data)
			wantCode(t, err, tc.code)
			t.Log(err)
			if e2, ok := errs.As(err); ok && tc.code == errs.InvalidInput && e2.Field != "file" {
				t.Errorf("field %q, want file", e2.Field)
			}
		})
	}
	if n := len(e.blobs(t)); n != 0 {
		t.Fatalf("refused uploads left %d blobs", n)
	}
	if n := e.db.Media.Query().CountX(auth.WithSystem(context.Background())); n != 0 {
		t.Fatalf("refused uploads left %d rows", n)
	}
}

func TestUploadRateLimit(t *testing.T) {
	e := newEnv(t, "", media.Limits{})
	svc := media.NewService(e.db, media.Config{Bucket: e.bucket, Clock: e.clock, UploadRate: ratelimit.Rate{Burst: 2, Every: time.Minute}})
	photo := testJPEG(t, 8, 8)
	for range 2 {
		if _, err := svc.Upload(e.alice, bytes.NewReader(photo)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.Upload(e.alice, bytes.NewReader(photo))
	wantCode(t, err, errs.Throttled)
	if te, _ := errs.As(err); te.RetryAfter <= 0 {
		t.Fatalf("no RetryAfter: %+v", te)
	}
	if _, err := svc.Upload(e.bob, bytes.NewReader(photo)); err != nil {
		t.Fatalf("another customer: %v", err)
	}
	e.clock.Advance(time.Minute)
	if _, err := svc.Upload(e.alice, bytes.NewReader(photo)); err != nil {
		t.Fatalf("after a minute: %v", err)
	}
}
