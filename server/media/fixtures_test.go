package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"golang.org/x/image/webp"
)

// secretMake is written into every test EXIF/XMP/text payload: if any
// metadata survives anywhere in a stored file, this string is in it.
const secretMake = "SecretPhone-4711"

// exifTIFF builds a little-endian EXIF TIFF structure by hand, as a phone
// writes it: IFD0 with Make, Orientation and a pointer to a GPS IFD holding
// a latitude (52° 31' N, Berlin).
func exifTIFF(orientation Orientation) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("II*\x00")
	_ = binary.Write(&b, le, uint32(8))
	// IFD0 at 8: 3 entries (12 bytes each) + next-IFD offset.
	const ifd0 = 8
	makeOff := uint32(ifd0 + 2 + 3*12 + 4)
	makeStr := secretMake + "\x00"
	gpsOff := makeOff + uint32(len(makeStr))
	entry := func(tag, typ uint16, count, value uint32) {
		_ = binary.Write(&b, le, tag)
		_ = binary.Write(&b, le, typ)
		_ = binary.Write(&b, le, count)
		_ = binary.Write(&b, le, value)
	}
	_ = binary.Write(&b, le, uint16(3))
	entry(0x010F, 2, uint32(len(makeStr)), makeOff) // Make, ASCII
	entry(0x0112, 3, 1, uint32(orientation))        // Orientation, SHORT
	entry(0x8825, 4, 1, gpsOff)                     // GPS IFD pointer
	_ = binary.Write(&b, le, uint32(0))
	b.WriteString(makeStr)
	// GPS IFD: LatitudeRef "N", Latitude 52/1 31/1 0/1.
	ratOff := gpsOff + 2 + 2*12 + 4
	_ = binary.Write(&b, le, uint16(2))
	entry(0x0001, 2, 2, uint32('N'))
	entry(0x0002, 5, 3, ratOff)
	_ = binary.Write(&b, le, uint32(0))
	for _, v := range []uint32{52, 1, 31, 1, 0, 1} {
		_ = binary.Write(&b, le, v)
	}
	return b.Bytes()
}

// marked is a w×h white image with a red block in its top-left corner, so
// that where the block ends up tells how the image was turned.
func marked(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{255, 255, 255, 255}
			if x < w/4 && y < h/4 {
				c = color.NRGBA{220, 0, 0, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// jpegWithEXIF encodes img as JPEG and inserts an APP1 EXIF segment (and a
// COM comment) right after SOI, where cameras put them.
func jpegWithEXIF(t testing.TB, img image.Image, o Orientation) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	raw := enc.Bytes()
	app1 := append([]byte("Exif\x00\x00"), exifTIFF(o)...)
	com := []byte("taken by " + secretMake)
	var out bytes.Buffer
	out.Write(raw[:2])
	for _, seg := range []struct {
		marker byte
		body   []byte
	}{{0xE1, app1}, {0xFE, com}} {
		out.Write([]byte{0xFF, seg.marker})
		_ = binary.Write(&out, binary.BigEndian, uint16(len(seg.body)+2))
		out.Write(seg.body)
	}
	out.Write(raw[2:])
	return out.Bytes()
}

// pngChunk is one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// pngWithMetadata encodes img as PNG and inserts eXIf, tEXt and iTXt chunks
// after IHDR.
func pngWithMetadata(t testing.TB, img image.Image, o Orientation) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := png.Encode(&enc, img); err != nil {
		t.Fatal(err)
	}
	raw := enc.Bytes()
	ihdrEnd := 8 + 12 + 13
	var out bytes.Buffer
	out.Write(raw[:ihdrEnd])
	out.Write(pngChunk("eXIf", exifTIFF(o)))
	out.Write(pngChunk("tEXt", []byte("Software\x00"+secretMake)))
	out.Write(pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>"+secretMake+"</x:xmpmeta>")))
	out.Write(raw[ihdrEnd:])
	return out.Bytes()
}

// riffChunk is one WebP (RIFF) chunk, padded to even length.
func riffChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(typ)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	if len(data)%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

// webpWithMetadata wraps testdata/tiny.webp's VP8 chunk in an extended
// (VP8X) container with EXIF and XMP chunks, flags set, as the WebP
// container spec lays them out.
func webpWithMetadata(t testing.TB, o Orientation) []byte {
	t.Helper()
	simple, err := os.ReadFile("testdata/tiny.webp")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := webp.DecodeConfig(bytes.NewReader(simple))
	if err != nil {
		t.Fatal(err)
	}
	vp8 := simple[12:] // the one VP8 chunk, header and all
	x := make([]byte, 10)
	x[0] = vp8xEXIF | vp8xXMP
	put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(x[4:], cfg.Width-1)
	put24(x[7:], cfg.Height-1)
	var body bytes.Buffer
	body.WriteString("WEBP")
	body.Write(riffChunk("VP8X", x))
	body.Write(vp8)
	body.Write(riffChunk("EXIF", exifTIFF(o)))
	body.Write(riffChunk("XMP ", []byte("<x:xmpmeta>"+secretMake+"</x:xmpmeta>")))
	var out bytes.Buffer
	out.WriteString("RIFF")
	_ = binary.Write(&out, binary.LittleEndian, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

// noMetadata fails the test if b still carries any of the metadata the
// fixtures put in: the identifying string, an EXIF TIFF header, or the
// containers' metadata markers.
func noMetadata(t testing.TB, what string, b []byte) {
	t.Helper()
	for _, marker := range []string{secretMake, "Exif\x00\x00", "II*\x00", "MM\x00*", "eXIf", "tEXt", "iTXt", "XMP ", "EXIF", "xmpmeta"} {
		if bytes.Contains(b, []byte(marker)) {
			t.Errorf("%s still contains %q", what, marker)
		}
	}
}
