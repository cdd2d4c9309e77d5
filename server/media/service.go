package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"

	"github.com/jonboulle/clockwork"
	"gocloud.dev/blob"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/media"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// Defaults of Limits and Config.
const (
	// DefaultMaxPhotoBytes caps a photo: a 12-50 megapixel phone JPEG is
	// 2-8 MB.
	DefaultMaxPhotoBytes = 10 << 20
	// DefaultMaxVideoBytes caps a video: about a minute of phone video.
	DefaultMaxVideoBytes = 100 << 20
	// DefaultMaxPixels caps a photo's pixels, checked from its header
	// before it is decoded: a 10 MB PNG of one colour can claim
	// 30,000×30,000 pixels and take 3.6 GB to decode (a decompression
	// bomb). 50 megapixels covers phones' high-resolution modes.
	DefaultMaxPixels = 50_000_000
	// ThumbnailSize is the long side of a thumbnail, in pixels.
	ThumbnailSize = 400
	// UnattachedTTL is how long an upload may wait for something to
	// attach it: Attach refuses older ones, and Cleanup deletes them (one
	// cleanupGrace later).
	UnattachedTTL = 24 * time.Hour
	// DefaultCleanupInterval is how often Run deletes expired uploads.
	DefaultCleanupInterval = time.Hour
)

// cleanupGrace separates Attach's deadline from Cleanup's: an Attach that
// checked the deadline just in time may take a while to commit, and Cleanup
// must not delete the blobs of media that is being attached.
const cleanupGrace = time.Hour

// DefaultUploadRate is how many uploads a customer may make: 20 at once
// (two posts' worth of photos), then one a minute. Staff get
// StaffRateScale times as many.
var DefaultUploadRate = ratelimit.Rate{Burst: 20, Every: time.Minute}

// StaffRateScale multiplies the upload rate of staff tokens.
const StaffRateScale = 10

// Limits bounds what an upload may be.
type Limits struct {
	// MaxPhotoBytes and MaxVideoBytes cap a file's size by kind.
	MaxPhotoBytes, MaxVideoBytes int64
	// MaxPixels caps a photo's width × height.
	MaxPixels int
}

// MaxFileBytes is the largest file any kind accepts: the multipart form
// limit follows it.
func (l Limits) MaxFileBytes() int64 { return max(l.MaxPhotoBytes, l.MaxVideoBytes) }

// Config configures a Service.
type Config struct {
	// Bucket stores the originals and thumbnails (see OpenBucket).
	Bucket *blob.Bucket
	// Limits of uploads; zero fields take the defaults.
	Limits Limits
	// UploadRate is a customer's upload rate; zero takes DefaultUploadRate.
	UploadRate ratelimit.Rate
	// Clock dates uploads and drives Cleanup; nil means the real clock.
	Clock clockwork.Clock
	// Log receives Cleanup's failures; nil discards them.
	Log *slog.Logger
}

// Service stores, serves and cleans up media. It is safe for concurrent use.
type Service struct {
	db        *db.DB
	bucket    *blob.Bucket
	limits    Limits
	clock     clockwork.Clock
	log       *slog.Logger
	customers *ratelimit.Limiter
	staff     *ratelimit.Limiter
	// decoding bounds the photos decoded at once: a decoded photo of
	// MaxPixels takes a few hundred MB, and more decodes than cores would
	// only queue for CPU while holding that memory.
	decoding chan struct{}
}

// NewService returns a Service storing rows through d and bytes in
// cfg.Bucket.
func NewService(d *db.DB, cfg Config) *Service {
	l := cfg.Limits
	if l.MaxPhotoBytes <= 0 {
		l.MaxPhotoBytes = DefaultMaxPhotoBytes
	}
	if l.MaxVideoBytes <= 0 {
		l.MaxVideoBytes = DefaultMaxVideoBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	r := cfg.UploadRate
	if !r.Valid() {
		r = DefaultUploadRate
	}
	clock := cfg.Clock
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	staff := ratelimit.Rate{Burst: r.Burst * StaffRateScale, Every: r.Every / StaffRateScale}
	return &Service{
		db: d, bucket: cfg.Bucket, limits: l, clock: clock, log: log,
		customers: ratelimit.New("uploads", r, clock),
		staff:     ratelimit.New("uploads", staff, clock),
		decoding:  make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
}

// Limits returns the limits in force, defaults filled in.
func (s *Service) Limits() Limits { return s.limits }

// UploadResult is what Upload stored (GraphQL UploadMediaPayload).
type UploadResult struct {
	// Media is the new, unattached media.
	Media *ent.Media
}

// owner is who uploads or attaches: a customer, or a staff token.
type owner struct {
	customerID int
	staff      string
}

// ownerOf returns the viewer in ctx as an owner of media.
func ownerOf(ctx context.Context) (owner, error) {
	v, ok := auth.FromContext(ctx)
	switch {
	case !ok:
		return owner{}, errs.Errorf(errs.Unauthenticated, "sign in to upload media")
	case v.IsStaff():
		return owner{staff: v.Subject}, nil
	case v.IsCustomer() && v.CustomerID != 0:
		return owner{customerID: v.CustomerID}, nil
	case v.IsCustomer():
		return owner{}, errs.Errorf(errs.NotFound, "no customer with email %s", v.Email)
	}
	return owner{}, errs.Errorf(errs.Forbidden, "this role may not upload media")
}

// where is the predicate "owned by o".
func (o owner) where() func(*ent.MediaQuery) {
	if o.staff != "" {
		return func(q *ent.MediaQuery) { q.Where(media.OwnerStaff(o.staff)) }
	}
	return func(q *ent.MediaQuery) { q.Where(media.OwnerCustomerID(o.customerID)) }
}

// Upload stores one photo or video for the viewer in ctx (a customer or
// staff), unattached. file is read from its start; Upload does not close
// it. Refusals are errs: UNAUTHENTICATED, THROTTLED (the upload rate),
// INVALID_INPUT on the field "file" (not an accepted type, over its kind's
// cap, over the pixel cap, not decodable). On any failure nothing is left
// behind: no row, no blob.
func (s *Service) Upload(ctx context.Context, file io.ReadSeeker) (*UploadResult, error) {
	o, err := ownerOf(ctx)
	if err != nil {
		return nil, err
	}
	// Charged before the work, refused or not: abuse is what it bounds.
	if o.staff != "" {
		err = s.staff.Allow("staff:" + o.staff)
	} else {
		err = s.customers.Allow(fmt.Sprintf("customer:%d", o.customerID))
	}
	if err != nil {
		return nil, err
	}
	size, err := file.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("media: sizing the upload: %w", err)
	}
	if size == 0 {
		return nil, errs.Invalid("file", "the file is empty")
	}
	head := make([]byte, min(size, sniffBytes))
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(file, head); err != nil {
		return nil, fmt.Errorf("media: reading the upload: %w", err)
	}
	f, looks, ok := Sniff(head)
	if !ok {
		return nil, errs.Invalid("file", "not a JPEG, PNG or WebP photo nor an MP4 or WebM video (the content is %s)", looks)
	}
	var row *ent.MediaCreate
	var blobs []pendingBlob
	if f.Kind == media.KindPHOTO {
		row, blobs, err = s.preparePhoto(ctx, file, size, f)
	} else {
		row, blobs, err = s.prepareVideo(file, size, f)
	}
	if err != nil {
		return nil, err
	}
	if o.staff != "" {
		row.SetOwnerStaff(o.staff)
	} else {
		row.SetOwnerCustomerID(o.customerID)
	}
	return s.store(ctx, row, blobs)
}

// pendingBlob is a blob Upload writes once the row exists.
type pendingBlob struct {
	key, contentType string
	data             []byte        // or
	file             io.ReadSeeker // copied from its start
}

// preparePhoto reads, checks and processes a photo (see processPhoto).
func (s *Service) preparePhoto(ctx context.Context, file io.ReadSeeker, size int64, f Format) (*ent.MediaCreate, []pendingBlob, error) {
	if size > s.limits.MaxPhotoBytes {
		return nil, nil, errs.Invalid("file", "a photo may be at most %s; this one is %s", mb(s.limits.MaxPhotoBytes), mb(size))
	}
	data := make([]byte, size)
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, nil, err
	}
	if _, err := io.ReadFull(file, data); err != nil {
		return nil, nil, fmt.Errorf("media: reading the upload: %w", err)
	}
	select {
	case s.decoding <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	p, err := processPhoto(data, f, s.limits.MaxPixels, ThumbnailSize)
	<-s.decoding
	var tooMany errTooManyPixels
	switch {
	case errors.As(err, &tooMany):
		return nil, nil, errs.Invalid("file", "%s", tooMany.Error())
	case errors.Is(err, errMalformed), errors.Is(err, errUndecodable):
		return nil, nil, errs.Invalid("file", "not a valid %s image: it does not decode", formatName(f))
	case err != nil:
		return nil, nil, err
	}
	key := newKey()
	sum := sha256.Sum256(p.original)
	row := s.db.Media.Create().
		SetKind(media.KindPHOTO).
		SetContentType(p.contentType).
		SetByteSize(int64(len(p.original))).
		SetWidth(p.width).
		SetHeight(p.height).
		SetBlobKey(key).
		SetThumbnailKey(key + thumbSuffix).
		SetSha256(hex.EncodeToString(sum[:])).
		SetCreatedAt(s.clock.Now())
	return row, []pendingBlob{
		{key: key, contentType: p.contentType, data: p.original},
		{key: key + thumbSuffix, contentType: JPEG.ContentType, data: p.thumbnail},
	}, nil
}

// prepareVideo checks a video's size and container and hashes it; the
// bytes are stored as uploaded.
func (s *Service) prepareVideo(file io.ReadSeeker, size int64, f Format) (*ent.MediaCreate, []pendingBlob, error) {
	if size > s.limits.MaxVideoBytes {
		return nil, nil, errs.Invalid("file", "a video may be at most %s; this one is %s", mb(s.limits.MaxVideoBytes), mb(size))
	}
	if f == MP4 {
		if err := checkMP4(file, size); errors.Is(err, errMalformed) {
			return nil, nil, errs.Invalid("file", "not a valid MP4 video: its boxes do not add up")
		} else if err != nil {
			return nil, nil, err
		}
	}
	h := sha256.New()
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, nil, err
	}
	if _, err := io.Copy(h, file); err != nil {
		return nil, nil, fmt.Errorf("media: reading the upload: %w", err)
	}
	key := newKey()
	row := s.db.Media.Create().
		SetKind(media.KindVIDEO).
		SetContentType(f.ContentType).
		SetByteSize(size).
		SetBlobKey(key).
		SetSha256(hex.EncodeToString(h.Sum(nil))).
		SetCreatedAt(s.clock.Now())
	return row, []pendingBlob{{key: key, contentType: f.ContentType, file: file}}, nil
}

// store inserts the row, then writes the blobs. The row comes first so
// that a crash between the two leaves an unattached row, which Cleanup
// deletes with whatever blobs were written, rather than blobs nothing
// points to. A failed write deletes what was written and the row.
func (s *Service) store(ctx context.Context, row *ent.MediaCreate, blobs []pendingBlob) (*UploadResult, error) {
	sys := auth.WithSystem(ctx)
	m, err := row.Save(sys)
	if err != nil {
		return nil, db.Classify(err)
	}
	for i, b := range blobs {
		if err := s.writeBlob(ctx, b); err != nil {
			for _, done := range blobs[:i+1] {
				_ = s.bucket.Delete(context.WithoutCancel(ctx), done.key)
			}
			_ = s.db.Media.DeleteOne(m).Exec(context.WithoutCancel(sys))
			return nil, fmt.Errorf("media: storing %s: %w", b.key, err)
		}
	}
	return &UploadResult{Media: m}, nil
}

// blobCacheControl is stored with every blob, for stores that serve
// directly (a CDN in front of S3): content under a key never changes.
const blobCacheControl = "public, max-age=31536000, immutable"

func (s *Service) writeBlob(ctx context.Context, b pendingBlob) error {
	opts := &blob.WriterOptions{ContentType: b.contentType, CacheControl: blobCacheControl, ContentDisposition: "inline"}
	if b.file == nil {
		return s.bucket.WriteAll(ctx, b.key, b.data, opts)
	}
	if _, err := b.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return s.bucket.Upload(ctx, b.key, b.file, opts)
}

// formatName is f's name in messages.
func formatName(f Format) string {
	switch f {
	case JPEG:
		return "JPEG"
	case PNG:
		return "PNG"
	case WebP:
		return "WebP"
	case MP4:
		return "MP4"
	}
	return "WebM"
}

// mb formats a size for messages: MB (MiB) with one decimal, or KB or
// bytes when smaller.
func mb(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
