package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// Metadata is removed from a photo's original without decoding it: the
// container's metadata segments or chunks are dropped and the compressed
// pixels are copied byte for byte, so the stored original loses nothing of
// its quality (re-encoding a JPEG to strip it would). What is kept is only
// what is needed to show the pixels right: colour profiles and colour
// transforms. Everything else (EXIF with its GPS position, camera serial
// numbers and embedded preview, XMP, IPTC, comments, text chunks, MPF's
// second image appended after the end) goes. The EXIF orientation is read
// on the way (see Orientation); a photo that is not upright is re-encoded
// after turning instead (photo.go), since dropping the tag alone would show
// it sideways.

// errMalformed is a container that does not parse: refused as not a valid
// photo.
var errMalformed = errors.New("malformed image container")

// stripped is a photo's original without its metadata, and the
// orientation its EXIF asked for.
type stripped struct {
	data        []byte
	orientation Orientation
}

// stripJPEG keeps SOI, the JFIF APP0, ICC profiles (APP2 "ICC_PROFILE"),
// Adobe's APP14 (it says how to read CMYK/YCCK) and every non-APP marker,
// and copies the scan data up to EOI; APP1 (EXIF, XMP), the other APPn,
// COM and anything after EOI are dropped.
func stripJPEG(b []byte) (stripped, error) {
	out := stripped{orientation: Upright}
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return out, errMalformed
	}
	dst := bytes.NewBuffer(make([]byte, 0, len(b)))
	dst.Write(b[:2])
	i := 2
	for i < len(b) {
		if b[i] != 0xFF {
			return out, errMalformed
		}
		for i < len(b) && b[i] == 0xFF { // fill bytes
			i++
		}
		if i >= len(b) {
			return out, errMalformed
		}
		marker := b[i]
		i++
		switch {
		case marker == 0xD9: // EOI: anything after it is not this image
			dst.Write([]byte{0xFF, 0xD9})
			out.data = dst.Bytes()
			return out, nil
		case marker >= 0xD0 && marker <= 0xD7, marker == 0x01:
			dst.Write([]byte{0xFF, marker}) // no length
			continue
		}
		if i+2 > len(b) {
			return out, errMalformed
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return out, errMalformed
		}
		seg := b[i+2 : i+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) && out.orientation == Upright {
			out.orientation = orientationFromTIFF(seg[6:])
		}
		if keepJPEGSegment(marker, seg) {
			dst.Write([]byte{0xFF, marker})
			dst.Write(b[i : i+n])
		}
		i += n
		if marker == 0xDA { // SOS: entropy-coded data follows, up to the next marker
			j := i
			for j+1 < len(b) {
				if b[j] == 0xFF && b[j+1] != 0x00 && (b[j+1] < 0xD0 || b[j+1] > 0xD7) {
					break
				}
				j++
			}
			dst.Write(b[i:j])
			i = j
		}
	}
	return out, errMalformed // no EOI
}

// keepJPEGSegment reports whether a segment with a length survives.
func keepJPEGSegment(marker byte, seg []byte) bool {
	switch {
	case marker == 0xE0:
		return bytes.HasPrefix(seg, []byte("JFIF\x00")) // not JFXX: it carries a thumbnail
	case marker == 0xE2:
		return bytes.HasPrefix(seg, []byte("ICC_PROFILE\x00"))
	case marker == 0xEE:
		return bytes.HasPrefix(seg, []byte("Adobe"))
	case marker >= 0xE0 && marker <= 0xEF, marker == 0xFE: // other APPn, COM
		return false
	}
	return true // SOFn, DHT, DQT, DRI, SOS, DNL, ...
}

// pngSignature starts every PNG.
var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// keptPNGChunks are the ancillary chunks that change how pixels look
// (transparency, colour, gamma, HDR metadata, pixel aspect) or move (APNG).
// Critical chunks (IHDR, PLTE, IDAT, IEND) are always kept; every other
// ancillary chunk (eXIf, tEXt, zTXt, iTXt, tIME, private ones) is dropped,
// which the PNG spec allows for any ancillary chunk.
var keptPNGChunks = map[string]bool{
	"tRNS": true, "cHRM": true, "gAMA": true, "iCCP": true, "sBIT": true, "sRGB": true,
	"cICP": true, "mDCV": true, "cLLI": true, "bKGD": true, "pHYs": true,
	"acTL": true, "fcTL": true, "fdAT": true,
}

// stripPNG keeps the critical chunks and keptPNGChunks, up to IEND, with
// their CRCs checked (a corrupt chunk is refused, not copied).
func stripPNG(b []byte) (stripped, error) {
	out := stripped{orientation: Upright}
	if !bytes.HasPrefix(b, pngSignature) {
		return out, errMalformed
	}
	dst := bytes.NewBuffer(make([]byte, 0, len(b)))
	dst.Write(pngSignature)
	for i := len(pngSignature); i+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		if n < 0 || n > len(b)-i-12 {
			return out, errMalformed
		}
		typ := string(b[i+4 : i+8])
		chunk := b[i : i+12+n]
		if crc32.ChecksumIEEE(chunk[4:8+n]) != binary.BigEndian.Uint32(chunk[8+n:]) {
			return out, errMalformed
		}
		if typ == "eXIf" && out.orientation == Upright {
			out.orientation = orientationFromTIFF(chunk[8 : 8+n])
		}
		critical := typ[0] >= 'A' && typ[0] <= 'Z'
		if critical || keptPNGChunks[typ] {
			dst.Write(chunk)
		}
		i += 12 + n
		if typ == "IEND" {
			out.data = dst.Bytes()
			return out, nil
		}
	}
	return out, errMalformed // no IEND
}

// VP8X flags (WebP container spec, "Extended File Format").
const (
	vp8xEXIF = 1 << 3
	vp8xXMP  = 1 << 2
)

// stripWebP drops the EXIF and "XMP " chunks of an extended WebP (and any
// chunk the container spec does not define), clears their flags in VP8X and
// rewrites the RIFF size. A simple WebP (one VP8 or VP8L chunk) has no room
// for metadata and is copied as it is, minus any trailing bytes.
func stripWebP(b []byte) (stripped, error) {
	out := stripped{orientation: Upright}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return out, errMalformed
	}
	size := int(binary.LittleEndian.Uint32(b[4:8]))
	if size < 4 || size > len(b)-8 {
		return out, errMalformed
	}
	b = b[:8+size]
	dst := bytes.NewBuffer(make([]byte, 0, len(b)))
	dst.Write(b[:12])
	vp8x := -1
	for i := 12; i < len(b); {
		if i+8 > len(b) {
			return out, errMalformed
		}
		typ := string(b[i : i+4])
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		padded := n + n&1
		if n < 0 || padded > len(b)-i-8 {
			return out, errMalformed
		}
		switch typ {
		case "EXIF":
			body := b[i+8 : i+8+n]
			// Some writers put JPEG's "Exif\0\0" before the TIFF header.
			body = bytes.TrimPrefix(body, []byte("Exif\x00\x00"))
			out.orientation = orientationFromTIFF(body)
		case "VP8X":
			vp8x = dst.Len()
			dst.Write(b[i : i+8+padded])
		case "VP8 ", "VP8L", "ALPH", "ICCP", "ANIM", "ANMF":
			dst.Write(b[i : i+8+padded])
		}
		i += 8 + padded
	}
	data := dst.Bytes()
	if vp8x >= 0 {
		if vp8x+9 > len(data) {
			return out, errMalformed
		}
		data[vp8x+8] &^= vp8xEXIF | vp8xXMP
	}
	binary.LittleEndian.PutUint32(data[4:8], uint32(len(data)-8))
	out.data = data
	return out, nil
}
