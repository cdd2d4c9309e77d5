package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Encoding qualities: the thumbnail is small and shown small; a turned
// original is re-encoded close to the camera's own quality.
const (
	thumbnailQuality = 85
	originalQuality  = 92
)

// photo is a processed photo: the original to store, with what the row
// records, and its thumbnail.
type photo struct {
	original      []byte
	contentType   string
	width, height int // as displayed
	thumbnail     []byte
}

// errTooManyPixels is a photo over Limits.MaxPixels.
type errTooManyPixels struct{ width, height, max int }

func (e errTooManyPixels) Error() string {
	return fmt.Sprintf("the photo is %d×%d pixels (%.1f megapixels); the most accepted is %.1f megapixels",
		e.width, e.height, float64(e.width)*float64(e.height)/1e6, float64(e.max)/1e6)
}

// errUndecodable is a photo whose pixels do not decode.
var errUndecodable = errors.New("does not decode")

// processPhoto strips the metadata of data (format f), checks the pixel
// count from the header before decoding anything, decodes what will be
// stored (so a JPEG header on garbage is refused), turns it upright when
// its EXIF asked for it, and makes the thumbnail.
//
// The original is stored losslessly stripped when it is upright (most
// photos: phones that write an orientation other than 1 are the exception
// for uploads from a browser, which turns the image when the user edits or
// crops it). A photo that must be turned is re-encoded turned: a JPEG or an
// opaque WebP as JPEG at quality 92 (Go has no WebP encoder), a PNG or a
// WebP with transparency as PNG; contentType says which.
func processPhoto(data []byte, f Format, maxPixels, thumbSize int) (*photo, error) {
	var (
		st  stripped
		err error
	)
	switch f {
	case JPEG:
		st, err = stripJPEG(data)
	case PNG:
		st, err = stripPNG(data)
	case WebP:
		st, err = stripWebP(data)
	default:
		return nil, fmt.Errorf("media: %s is not a photo format", f.ContentType)
	}
	if err != nil {
		return nil, err
	}
	decodeConfig, decode := decoders(f)
	cfg, err := decodeConfig(bytes.NewReader(st.data))
	if err != nil {
		return nil, errUndecodable
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return nil, errUndecodable
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, errTooManyPixels{cfg.Width, cfg.Height, maxPixels}
	}
	img, err := decode(bytes.NewReader(st.data))
	if err != nil {
		return nil, errUndecodable
	}
	p := &photo{original: st.data, contentType: f.ContentType}
	if st.orientation != Upright {
		img = orient(img, st.orientation)
		var buf bytes.Buffer
		if f == PNG || !opaque(img) {
			p.contentType = PNG.ContentType
			err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
		} else {
			p.contentType = JPEG.ContentType
			err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: originalQuality})
		}
		if err != nil {
			return nil, fmt.Errorf("media: re-encoding a turned photo: %w", err)
		}
		p.original = buf.Bytes()
	}
	b := img.Bounds()
	p.width, p.height = b.Dx(), b.Dy()
	if p.thumbnail, err = thumbnail(img, thumbSize); err != nil {
		return nil, err
	}
	return p, nil
}

// decoders returns f's DecodeConfig and Decode.
func decoders(f Format) (func(*bytes.Reader) (image.Config, error), func(*bytes.Reader) (image.Image, error)) {
	switch f {
	case PNG:
		return func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) },
			func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }
	case WebP:
		return func(r *bytes.Reader) (image.Config, error) { return webp.DecodeConfig(r) },
			func(r *bytes.Reader) (image.Image, error) { return webp.Decode(r) }
	}
	return func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) },
		func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }
}

// opaque reports whether img has no transparent pixel, for the image types
// that can tell cheaply; others count as transparent (and so stay PNG).
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// thumbnail scales img to fit size×size (never up) and encodes it as JPEG,
// over white where it was transparent. A large photo is first halved with
// a cheap filter down to twice the target, then finished with Catmull-Rom:
// the result is as sharp as Catmull-Rom all the way, at a fraction of the
// cost on a 12-megapixel source.
func thumbnail(img image.Image, size int) ([]byte, error) {
	b := img.Bounds()
	w, h := fit(b.Dx(), b.Dy(), size)
	src := img
	if b.Dx() > 4*w && b.Dy() > 4*h {
		mid := image.NewRGBA(image.Rect(0, 0, 2*w, 2*h))
		draw.ApproxBiLinear.Scale(mid, mid.Bounds(), img, b, draw.Src, nil)
		src = mid
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: thumbnailQuality}); err != nil {
		return nil, fmt.Errorf("media: encoding a thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}

// fit returns w×h scaled to fit size×size, keeping the aspect ratio, never
// scaled up, at least 1×1.
func fit(w, h, size int) (int, int) {
	if w <= size && h <= size {
		return w, h
	}
	if w >= h {
		return size, max(1, (h*size+w/2)/w)
	}
	return max(1, (w*size+h/2)/h), size
}

// orient returns img turned as o asks, as an RGBA image. The eight cases
// are one index mapping each; written here because the only library that
// packages them (disintegration/imaging) is unmaintained, and x/image has
// no rotation.
func orient(img image.Image, o Orientation) image.Image {
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o.swapsAxes() {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := 0; dy < dh; dy++ {
		row := dst.Pix[dy*dst.Stride:]
		for dx := 0; dx < dw; dx++ {
			var sx, sy int
			switch o {
			case FlipH:
				sx, sy = w-1-dx, dy
			case Rotate180:
				sx, sy = w-1-dx, h-1-dy
			case FlipV:
				sx, sy = dx, h-1-dy
			case Transpose:
				sx, sy = dy, dx
			case Rotate90CW:
				sx, sy = dy, h-1-dx
			case Transverse:
				sx, sy = w-1-dy, h-1-dx
			case Rotate90CCW:
				sx, sy = w-1-dy, dx
			default:
				sx, sy = dx, dy
			}
			copy(row[4*dx:4*dx+4], src.Pix[sy*src.Stride+4*sx:])
		}
	}
	return dst
}
