package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"testing"
)

func TestSniff(t *testing.T) {
	exe, err := os.Executable() // this test binary: a real executable
	if err != nil {
		t.Fatal(err)
	}
	exeBytes, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, marked(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	mp4, _ := os.ReadFile("testdata/tiny.mp4")
	webm, _ := os.ReadFile("testdata/tiny.webm")
	webpB, _ := os.ReadFile("testdata/tiny.webp")
	for _, tc := range []struct {
		name string
		data []byte
		want Format // zero: refused
	}{
		{"jpeg", jpegWithEXIF(t, marked(16, 16), Upright), JPEG},
		{"png", pngWithMetadata(t, marked(16, 16), Upright), PNG},
		{"webp", webpB, WebP},
		{"mp4", mp4, MP4},
		{"webm", webm, WebM},
		{"executable renamed photo.jpg", exeBytes[:sniffBytes], Format{}},
		{"windows executable", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 200)...), Format{}},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), Format{}},
		{"html", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), Format{}},
		{"gif", gifBuf.Bytes(), Format{}},
		{"text", []byte("just some text"), Format{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, looks, ok := Sniff(tc.data)
			if ok != (tc.want != Format{}) || got != tc.want {
				t.Fatalf("Sniff = %v (%s) ok=%v, want %v", got, looks, ok, tc.want)
			}
		})
	}
}

func TestStripsMetadataLosslessly(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Format
		data []byte
	}{
		{"jpeg", JPEG, jpegWithEXIF(t, marked(64, 48), Upright)},
		{"png", PNG, pngWithMetadata(t, marked(64, 48), Upright)},
		{"webp", WebP, webpWithMetadata(t, Upright)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(tc.data, []byte(secretMake)) {
				t.Fatal("the fixture carries no metadata to strip")
			}
			p, err := processPhoto(tc.data, tc.f, DefaultMaxPixels, ThumbnailSize)
			if err != nil {
				t.Fatal(err)
			}
			noMetadata(t, "the original", p.original)
			noMetadata(t, "the thumbnail", p.thumbnail)
			if p.contentType != tc.f.ContentType {
				t.Errorf("content type %s, want %s (an upright photo is not re-encoded)", p.contentType, tc.f.ContentType)
			}
			// Lossless: the stored original decodes to exactly the
			// pixels of the upload.
			_, decode := decoders(tc.f)
			before, err := decode(bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			after, err := decode(bytes.NewReader(p.original))
			if err != nil {
				t.Fatalf("the stored original does not decode: %v", err)
			}
			if !samePixels(before, after) {
				t.Error("stripping changed the pixels")
			}
			if len(p.original) >= len(tc.data) {
				t.Errorf("original %d bytes, upload %d: nothing was removed", len(p.original), len(tc.data))
			}
			if tc.f == WebP && p.original[12+8]&(vp8xEXIF|vp8xXMP) != 0 {
				t.Error("the VP8X chunk still flags EXIF or XMP")
			}
			if got := int(binary.LittleEndian.Uint32(p.original[4:8])); tc.f == WebP && got != len(p.original)-8 {
				t.Errorf("RIFF size %d, want %d", got, len(p.original)-8)
			}
		})
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

// corner says which corner of img holds the red block.
func corner(t testing.TB, img image.Image) string {
	t.Helper()
	b := img.Bounds()
	red := func(x, y int) bool {
		r, g, bl, _ := img.At(x, y).RGBA()
		return r > 0x9000 && g < 0x6000 && bl < 0x6000
	}
	dx, dy := b.Dx()/16+1, b.Dy()/16+1
	var found []string
	for _, c := range []struct {
		name string
		x, y int
	}{{"top-left", b.Min.X + dx, b.Min.Y + dy}, {"top-right", b.Max.X - 1 - dx, b.Min.Y + dy},
		{"bottom-left", b.Min.X + dx, b.Max.Y - 1 - dy}, {"bottom-right", b.Max.X - 1 - dx, b.Max.Y - 1 - dy}} {
		if red(c.x, c.y) {
			found = append(found, c.name)
		}
	}
	if len(found) != 1 {
		t.Fatalf("red block in %v corners", found)
	}
	return found[0]
}

func TestOrientationApplied(t *testing.T) {
	// The stored image is 64×32 with the block top-left; each orientation
	// says where the viewer must see it.
	want := map[Orientation]string{
		Upright: "top-left", FlipH: "top-right", Rotate180: "bottom-right", FlipV: "bottom-left",
		Transpose: "top-left", Rotate90CW: "top-right", Transverse: "bottom-right", Rotate90CCW: "bottom-left",
	}
	check := func(t *testing.T, p *photo, o Orientation, f Format) {
		t.Helper()
		w, h := 64, 32
		if o.swapsAxes() {
			w, h = h, w
		}
		if p.width != w || p.height != h {
			t.Errorf("recorded %d×%d, want %d×%d", p.width, p.height, w, h)
		}
		_, decode := decoders(f)
		img, err := decode(bytes.NewReader(p.original))
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			t.Errorf("stored %v, want %d×%d", img.Bounds(), w, h)
		}
		if got := corner(t, img); got != want[o] {
			t.Errorf("original: block %s, want %s", got, want[o])
		}
		thumb, err := jpeg.Decode(bytes.NewReader(p.thumbnail))
		if err != nil {
			t.Fatal(err)
		}
		if got := corner(t, thumb); got != want[o] {
			t.Errorf("thumbnail: block %s, want %s", got, want[o])
		}
		noMetadata(t, "the original", p.original)
	}
	for o := Upright; o <= Rotate90CCW; o++ {
		t.Run("png/"+want[o]+string(rune('0'+o)), func(t *testing.T) {
			p, err := processPhoto(pngWithMetadata(t, marked(64, 32), o), PNG, DefaultMaxPixels, ThumbnailSize)
			if err != nil {
				t.Fatal(err)
			}
			check(t, p, o, PNG)
		})
	}
	t.Run("jpeg phone photo, rotate 90° clockwise", func(t *testing.T) {
		p, err := processPhoto(jpegWithEXIF(t, marked(64, 32), Rotate90CW), JPEG, DefaultMaxPixels, ThumbnailSize)
		if err != nil {
			t.Fatal(err)
		}
		if p.contentType != JPEG.ContentType {
			t.Errorf("content type %s", p.contentType)
		}
		check(t, p, Rotate90CW, JPEG)
	})
	t.Run("webp, rotate 180°: stored as JPEG", func(t *testing.T) {
		p, err := processPhoto(webpWithMetadata(t, Rotate180), WebP, DefaultMaxPixels, ThumbnailSize)
		if err != nil {
			t.Fatal(err)
		}
		if p.contentType != JPEG.ContentType {
			t.Fatalf("content type %s, want image/jpeg (no WebP encoder)", p.contentType)
		}
		if _, err := jpeg.Decode(bytes.NewReader(p.original)); err != nil {
			t.Fatal(err)
		}
		noMetadata(t, "the original", p.original)
	})
}

func TestThumbnailSize(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3000, 2000))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	p, err := processPhoto(buf.Bytes(), JPEG, DefaultMaxPixels, ThumbnailSize)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.thumbnail))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 400 || cfg.Height != 267 {
		t.Fatalf("thumbnail %d×%d, want 400×267", cfg.Width, cfg.Height)
	}
	if p.width != 3000 || p.height != 2000 {
		t.Fatalf("recorded %d×%d", p.width, p.height)
	}
}

// bombPNG is a valid PNG header claiming w×h pixels with a tiny IDAT: a
// decoder that trusted it would allocate w×h×4 bytes.
func bombPNG(w, h int) []byte {
	var out bytes.Buffer
	out.Write(pngSignature)
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	out.Write(pngChunk("IHDR", ihdr))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(make([]byte, 4096))
	_ = zw.Close()
	out.Write(pngChunk("IDAT", z.Bytes()))
	out.Write(pngChunk("IEND", nil))
	return out.Bytes()
}

func TestPixelCapCheckedBeforeDecoding(t *testing.T) {
	// 60,000 × 60,000 RGBA would be 14.4 GB decoded: refused from the header.
	_, err := processPhoto(bombPNG(60_000, 60_000), PNG, DefaultMaxPixels, ThumbnailSize)
	var tooMany errTooManyPixels
	if !errors.As(err, &tooMany) {
		t.Fatalf("want errTooManyPixels, got %v", err)
	}
	// Just over a small cap, with a real image.
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1001, 1000)))
	if _, err := processPhoto(buf.Bytes(), PNG, 1_000_000, ThumbnailSize); !errors.As(err, &tooMany) {
		t.Fatalf("1001×1000 under a 1 MP cap: want errTooManyPixels, got %v", err)
	}
}

func TestGarbageBehindAValidHeaderIsRefused(t *testing.T) {
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, marked(64, 64), nil)
	good := buf.Bytes()
	for name, data := range map[string][]byte{
		"jpeg header on garbage": append(append([]byte{}, good[:200]...), bytes.Repeat([]byte{0x42}, 4000)...),
		"jpeg signature only":    append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte("x"), 100)...),
		"truncated jpeg":         good[:len(good)/2],
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := processPhoto(data, JPEG, DefaultMaxPixels, ThumbnailSize); !errors.Is(err, errMalformed) && !errors.Is(err, errUndecodable) {
				t.Fatalf("want a refusal, got %v", err)
			}
		})
	}
	png1 := pngWithMetadata(t, marked(8, 8), Upright)
	png1[len(png1)-20] ^= 0xFF // a flipped byte breaks a chunk's CRC
	if _, err := processPhoto(png1, PNG, DefaultMaxPixels, ThumbnailSize); !errors.Is(err, errMalformed) {
		t.Fatalf("corrupt PNG: want errMalformed, got %v", err)
	}
}

func TestTransparentThumbnailIsOverWhite(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 10, 10)) // fully transparent
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	p, err := processPhoto(buf.Bytes(), PNG, DefaultMaxPixels, ThumbnailSize)
	if err != nil {
		t.Fatal(err)
	}
	thumb, _ := jpeg.Decode(bytes.NewReader(p.thumbnail))
	r, g, b, _ := thumb.At(5, 5).RGBA()
	if c := (color.RGBA64{uint16(r), uint16(g), uint16(b), 0xFFFF}); c.R < 0xF000 || c.G < 0xF000 || c.B < 0xF000 {
		t.Fatalf("transparent pixels became %v, want white", c)
	}
}
