package media

import (
	"github.com/gabriel-vasile/mimetype"

	"github.com/aftercart/aftercart/ent/media"
)

// sniffBytes is how much of a file the sniffer reads: mimetype's own
// default, enough for every signature it knows (an MP4's ftyp box, WebM's
// EBML DocType).
const sniffBytes = 3072

// Format is one accepted kind of file.
type Format struct {
	// ContentType is the MIME type the file is stored and served as.
	ContentType string
	// Kind is PHOTO or VIDEO.
	Kind media.Kind
}

// The accepted formats. Everything else is refused, whatever its name or
// the Content-Type the client claimed: GIF (animation, and a classic
// polyglot), SVG and HTML (scripts run when opened from our origin), HEIC
// (browsers outside Safari cannot show it), QuickTime, executables.
var (
	JPEG = Format{"image/jpeg", media.KindPHOTO}
	PNG  = Format{"image/png", media.KindPHOTO}
	WebP = Format{"image/webp", media.KindPHOTO}
	MP4  = Format{"video/mp4", media.KindVIDEO}
	WebM = Format{"video/webm", media.KindVIDEO}
)

var formats = map[string]Format{
	JPEG.ContentType: JPEG, PNG.ContentType: PNG, WebP.ContentType: WebP,
	MP4.ContentType: MP4, WebM.ContentType: WebM,
}

// Sniff decides a file's format from its first bytes (at least the first
// 3 KB when the file is that long). It returns false, and what the content
// looks like ("text/html; charset=utf-8", "application/x-msdownload"), for
// anything not accepted.
//
// It uses github.com/gabriel-vasile/mimetype rather than net/http's
// DetectContentType, which knows neither WebM's DocType from Matroska's nor
// an MP4's brands from HEIC's, AVIF's or QuickTime's (all are ftyp boxes).
// mimetype returns the most specific type it knows, so a HEIC photo is
// image/heic, not its parent video/mp4, and an M4A is audio, not video.
func Sniff(head []byte) (Format, string, bool) {
	m := mimetype.Detect(head)
	f, ok := formats[m.String()]
	return f, m.String(), ok
}
