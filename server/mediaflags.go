package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// Bounds of the media flags: beyond them a setting is a typo, not a choice
// (a 100 GB video cap, a gigapixel photo that takes 4 GB to decode).
const (
	maxMediaMB         = 10_240
	maxMediaMegapixels = 500
)

// mediaFlags are the upload flags as an operator writes them (MB,
// megapixels); Config keeps bytes and pixels.
type mediaFlags struct {
	url                   *string
	photoMB, videoMB, mpx *int
	uploadBurst           *int
	uploadEvery           *time.Duration
}

// addMediaFlags declares the media flags on fs.
func addMediaFlags(fs *flag.FlagSet) mediaFlags {
	return mediaFlags{
		url: fs.String("media-url", os.Getenv("AFTERCART_MEDIA_URL"),
			"blob storage for uploads: s3://bucket?region=... or file:///path; empty: the folder media/ of -data-dir (env AFTERCART_MEDIA_URL)"),
		photoMB: fs.Int("media-max-photo-mb", envInt("AFTERCART_MEDIA_MAX_PHOTO_MB", media.DefaultMaxPhotoBytes>>20),
			"largest photo accepted, in MB (env AFTERCART_MEDIA_MAX_PHOTO_MB)"),
		videoMB: fs.Int("media-max-video-mb", envInt("AFTERCART_MEDIA_MAX_VIDEO_MB", media.DefaultMaxVideoBytes>>20),
			"largest video accepted, in MB; multipart request bodies may be 1 MB more than the larger cap (env AFTERCART_MEDIA_MAX_VIDEO_MB)"),
		mpx: fs.Int("media-max-megapixels", envInt("AFTERCART_MEDIA_MAX_MEGAPIXELS", media.DefaultMaxPixels/1_000_000),
			"largest photo accepted, in megapixels, checked before decoding (env AFTERCART_MEDIA_MAX_MEGAPIXELS)"),
		uploadBurst: fs.Int("media-upload-burst", envInt("AFTERCART_MEDIA_UPLOAD_BURST", media.DefaultUploadRate.Burst),
			"uploads a customer may make at once; staff get 10 times as many (env AFTERCART_MEDIA_UPLOAD_BURST)"),
		uploadEvery: fs.Duration("media-upload-every", envDuration("AFTERCART_MEDIA_UPLOAD_EVERY", media.DefaultUploadRate.Every),
			"a customer gets one more upload this often; staff 10 times as often (env AFTERCART_MEDIA_UPLOAD_EVERY)"),
	}
}

// apply stores the flags' values in c and returns what is wrong with them.
func (f mediaFlags) apply(c *app.Config) []string {
	var ps []string
	add := func(format string, args ...any) { ps = append(ps, fmt.Sprintf(format, args...)) }
	for _, n := range []struct {
		name, env string
		v, hi     int
	}{
		{"media-max-photo-mb", "AFTERCART_MEDIA_MAX_PHOTO_MB", *f.photoMB, maxMediaMB},
		{"media-max-video-mb", "AFTERCART_MEDIA_MAX_VIDEO_MB", *f.videoMB, maxMediaMB},
		{"media-max-megapixels", "AFTERCART_MEDIA_MAX_MEGAPIXELS", *f.mpx, maxMediaMegapixels},
	} {
		if n.v < 1 || n.v > n.hi {
			add("-%s (%s) is %d; must be between 1 and %d", n.name, n.env, n.v, n.hi)
		}
	}
	if *f.uploadBurst < 1 {
		add("-media-upload-burst (AFTERCART_MEDIA_UPLOAD_BURST) is %d; must be at least 1", *f.uploadBurst)
	}
	if *f.uploadEvery <= 0 {
		add("-media-upload-every (AFTERCART_MEDIA_UPLOAD_EVERY) is %s; must be positive, e.g. 1m", *f.uploadEvery)
	}
	if *f.url != "" {
		// The URL may carry credentials: name its scheme, never echo it.
		u, err := url.Parse(*f.url)
		switch {
		case err != nil:
			add("-media-url (AFTERCART_MEDIA_URL) is not a URL; want s3://bucket?region=... or file:///path")
		case u.Scheme != "s3" && u.Scheme != "file":
			add("-media-url (AFTERCART_MEDIA_URL) has scheme %q; want s3:// or file://, or leave it empty for the data dir", u.Scheme)
		}
	}
	c.MediaURL = *f.url
	c.MediaLimits = media.Limits{
		MaxPhotoBytes: int64(*f.photoMB) << 20,
		MaxVideoBytes: int64(*f.videoMB) << 20,
		MaxPixels:     *f.mpx * 1_000_000,
	}
	c.MediaUploadRate = ratelimit.Rate{Burst: *f.uploadBurst, Every: *f.uploadEvery}
	return ps
}
